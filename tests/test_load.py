"""Many clients at once against a real contacts-mock process: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import STAFF, USER
from tests.processes import MockProcess, running_mock
from tests.sockets import encode_request, get_json, port_of

CLIENTS = 50
SECONDS = 3.0  # how long the clients keep sending; a bound, not an assertion
URL = "/api/contacts/"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockProcess]:
    with running_mock("--log-level", "warning") as running:
        yield running


Result = tuple[int, int, Any, dict[str, Any]]  # expected status, status, answer, body sent


class Connection:
    """One keep-alive HTTP/1.1 connection: a client of its own (httpx shares one pool)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def post(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
        payload = json.dumps(body).encode()
        head = {"Host": "127.0.0.1", "Content-Type": "application/json", **headers}
        head["Content-Length"] = str(len(payload))
        self.writer.write(encode_request("POST", URL, head) + payload)
        status_line = await self.reader.readline()
        length = 0
        while (line := await self.reader.readline()) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return int(status_line.split()[1]), json.loads(await self.reader.readexactly(length))


async def _client(port: int, number: int, until: float) -> list[Result]:
    """Send until the deadline; every fifth request is one the mock must refuse."""
    connection = Connection(*await asyncio.open_connection("127.0.0.1", port))
    results = []
    for sequence in itertools.count():
        if time.monotonic() >= until:
            break
        body: dict[str, Any] = {"subject": f"client {number} request {sequence}"}
        expected, headers = 201, STAFF
        if sequence % 5 == 4:
            refused = [
                (400, {"subject": ""}, STAFF),
                (403, body, USER),
                (401, body, {"Authorization": "Token x"}),
            ]
            expected, body, headers = refused[(number + sequence) % 3]
        status, answer = await connection.post(body, headers)
        results.append((expected, status, answer, body))
    connection.writer.close()
    return results


async def _load(port: int) -> list[Result]:
    until = time.monotonic() + SECONDS
    batches = await asyncio.gather(*(_client(port, n, until) for n in range(CLIENTS)))
    return [result for batch in batches for result in batch]


def test_concurrent_clients_lose_and_double_nothing(mock: MockProcess) -> None:
    port = port_of(mock)
    results = asyncio.run(_load(port))

    assert [(e, s) for e, s, _, _ in results if s != e] == []  # no 5xx, no wrong answer
    created = {answer["id"]: answer for _, status, answer, _ in results if status == 201}
    assert len(created) == sum(1 for _, status, _, _ in results if status == 201), "repeated ids"
    assert len(created) > CLIENTS  # every client got through more than once
    for _, status, answer, sent in results:
        if status == 201:
            assert answer["subject"] == sent["subject"]

    stored = get_json(port, "/__mock__/contacts")
    assert [contact["id"] for contact in stored] == list(range(1, len(created) + 1))
    assert {contact["id"]: contact for contact in stored} == created
    assert get_json(port, "/__mock__/health")["contacts"] == len(created)
