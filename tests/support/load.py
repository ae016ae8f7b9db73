"""Many keep-alive clients at once against mock processes, each on a connection of its own."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

from tests.support.sockets import encode_request

URL = "/api/contacts/"
STAFF = {"Authorization": "Token staff-token"}
USER = {"Authorization": "Token user-token"}


@dataclass
class Result:
    expected: int  # the status the request should get when the store is up
    status: int
    answer: Any
    sent: dict[str, Any]
    started: float  # time.monotonic()


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


async def client(
    port: int, number: int, until: float, timeout: float, refusals: bool = True
) -> list[Result]:
    """Send until the deadline, each answer awaited at most `timeout` seconds; with
    `refusals`, every fifth request is one the mock must refuse (400, 403 or 401)."""
    connection = Connection(*await asyncio.open_connection("127.0.0.1", port))
    results = []
    for sequence in itertools.count():
        started = time.monotonic()
        if started >= until:
            break
        body: dict[str, Any] = {"subject": f"client {number} request {sequence}"}
        expected, headers = 201, STAFF
        if refusals and sequence % 5 == 4:
            refused = [
                (400, {"subject": ""}, STAFF),
                (403, body, USER),
                (401, body, {"Authorization": "Token x"}),
            ]
            expected, body, headers = refused[(number + sequence) % 3]
        status, answer = await asyncio.wait_for(connection.post(body, headers), timeout)
        results.append(Result(expected, status, answer, body, started))
    connection.writer.close()
    return results


async def load(
    ports: list[int], clients: int, seconds: float, timeout: float = 30, refusals: bool = True
) -> list[Result]:
    """`clients` clients spread over the ports, sending for `seconds`."""
    until = time.monotonic() + seconds
    batches = await asyncio.gather(
        *(client(ports[n % len(ports)], n, until, timeout, refusals) for n in range(clients))
    )
    return [result for batch in batches for result in batch]


def created(results: list[Result]) -> dict[int, Any]:
    """The 201 answers by id; asserts that no id was given twice."""
    answers = [r.answer for r in results if r.status == 201]
    by_id = {answer["id"]: answer for answer in answers}
    assert len(by_id) == len(answers), "an id was given twice"
    for result in results:
        if result.status == 201:
            assert result.answer["subject"] == result.sent["subject"]
    return by_id
