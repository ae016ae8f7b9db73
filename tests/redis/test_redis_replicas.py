"""One Redis, several mocks: two replicas on their own ports and one with two worker
processes, as a team runs them behind a load balancer. Clients spread over all three
see one set of contacts: ids unique and gap-free, nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.load import created, load
from tests.support.mocks import unique_prefix
from tests.support.processes import MockProcess, running_mocks
from tests.support.redis_server import RedisServer
from tests.support.sockets import get_json, port_of, request

# Several mocks and Redis processes at once: seconds each.
pytestmark = [pytest.mark.process, pytest.mark.slow]

CLIENTS = 48
SECONDS = 4.0  # how long the clients keep sending; a bound, not an assertion


@pytest.fixture(scope="module")
def replicas(redis_server: RedisServer) -> Iterator[list[MockProcess]]:
    shared = (
        "--store",
        redis_server.url,
        "--store-prefix",
        unique_prefix(),
        "--log-level",
        "warning",
    )
    with running_mocks(shared, shared, (*shared, "--workers", "2")) as mocks:
        yield mocks


@pytest.mark.slow
def test_replicas_and_workers_share_one_set_of_contacts(replicas: list[MockProcess]) -> None:
    ports = [port_of(mock) for mock in replicas]
    results = asyncio.run(load(ports, CLIENTS, SECONDS))

    assert [r.status for r in results if r.status >= 500] == []
    assert [(r.expected, r.status) for r in results if r.status != r.expected] == []
    by_id = created(results)
    assert len(by_id) > CLIENTS
    for port in ports:
        stored = get_json(port, "/__mock__/contacts")
        assert [contact["id"] for contact in stored] == list(range(1, len(by_id) + 1))
        assert {contact["id"]: contact for contact in stored} == by_id
        assert get_json(port, "/__mock__/health")["contacts"] == len(by_id)
    assert "2 workers" in "".join(replicas[2].stdout)


def test_every_replica_and_worker_writes_one_journal(replicas: list[MockProcess]) -> None:
    ports = [port_of(mock) for mock in replicas]
    # Several requests to the two-worker mock, so that both of its workers likely serve one.
    markers = [f"/api/marker-{n}-{time.monotonic_ns()}" for n in range(6)]
    for number, marker in enumerate(markers):
        assert request(ports[min(number, 2)], "GET", marker)[0] == 404
    deadline = time.monotonic() + 10  # entries are written in batches, soon after
    for port in ports:
        while True:
            paths = {entry["path"] for entry in get_json(port, "/__mock__/requests")}
            if set(markers) <= paths or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert set(markers) <= paths


def _seed(tmp_path: Path, ids: list[int]) -> Path:
    path = tmp_path / "seed.json"
    contacts = [
        {"id": n, "subject": f"seeded {n}", "message": "", "first_name": "", "last_name": "",
         "email": "", "mobile_number": "", "viewed": False, "viewed_at": None,
         "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
        for n in ids
    ]  # fmt: skip
    path.write_text(json.dumps(contacts))
    return path


@pytest.mark.slow
def test_the_seed_file_is_loaded_once_by_mocks_starting_together(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    seed = _seed(tmp_path, [4, 2, 9])
    args = (
        "--store",
        redis_server.url,
        "--store-prefix",
        unique_prefix(),
        "--seed-file",
        str(seed),
    )
    with running_mocks(args, args, (*args, "--workers", "2")) as mocks:
        banners = ["".join(mock.stdout) for mock in mocks]
        stored = get_json(port_of(mocks[0]), "/__mock__/contacts")
        next_id = request(
            port_of(mocks[2]), "POST", "/api/contacts/", b'{"subject": "new"}',
            {"Authorization": "Token staff-token", "Content-Type": "application/json"},
        )  # fmt: skip
    loaded = [b for b in banners if f"Seed file:   3 contacts loaded from {seed}" in b]
    skipped = [b for b in banners if f"{seed} not loaded: the store already holds" in b]
    assert (len(loaded), len(skipped)) == (1, 2), banners
    assert [contact["id"] for contact in stored] == [4, 2, 9]
    assert json.loads(next_id[2])["id"] == 10
