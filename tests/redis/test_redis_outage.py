"""Redis going away while the mock serves: requests that need it get a 503 JSON answer
within --store-timeout (none hangs), the mock keeps running, and it recovers by itself
when Redis is back. Nothing that got 201 is lost; no id is given twice."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from tests.support.load import Result, created, load
from tests.support.processes import running_mock
from tests.support.redis_server import RedisServer, running_redis
from tests.support.sockets import get_json, port_of, request

pytestmark = pytest.mark.process

STORE_TIMEOUT = 1.0
# Every answer must come within the store's timeout plus this much; a client that waits
# longer fails the test (asyncio.wait_for): that is the "no request hangs" promise.
SLACK = 4.0
CLIENTS = 16


def _mock_args(redis: RedisServer) -> tuple[str, ...]:
    return ("--store", redis.url, "--store-timeout", str(STORE_TIMEOUT), "--log-level", "warning")


async def _load_around(port: int, outage_start: float, outage: float, then: float) -> list[Result]:
    """Clients sending valid creates throughout: `outage_start` s, the outage, `then` s."""
    return await load([port], CLIENTS, outage_start + outage + then, STORE_TIMEOUT + SLACK, False)


def _check(results: list[Result], stored: list[dict[str, object]], back: float) -> None:
    statuses = {r.status for r in results}
    assert statuses <= {201, 503}, statuses
    assert 503 in statuses  # the outage was felt
    for result in results:
        if result.status == 503:
            assert set(result.answer) == {"detail"}
            assert "Redis at redis://127.0.0.1:" in result.answer["detail"]
    # Normal service afterwards: every request sent a little after Redis came back is a 201.
    after = [r.status for r in results if r.started > back + STORE_TIMEOUT]
    assert after
    assert set(after) == {201}
    by_id = created(results)
    stored_by_id = {contact["id"]: contact for contact in stored}
    assert len(stored_by_id) == len(stored)  # ids unique
    for contact_id, answer in by_id.items():
        assert stored_by_id[contact_id] == answer  # every 201 is stored, as answered


@pytest.mark.slow
def test_a_paused_redis_gets_503s_in_time_and_service_resumes(tmp_path: Path) -> None:
    with running_redis(tmp_path) as redis, running_mock(*_mock_args(redis)) as mock:
        port = port_of(mock)

        async def scenario() -> tuple[list[Result], float]:
            loading = asyncio.ensure_future(_load_around(port, 1.5, 3.0, 3.0))
            await asyncio.sleep(1.5)
            redis.pause()  # SIGSTOP: connections stay open, nothing is answered
            await asyncio.sleep(3.0)
            redis.resume()
            back = time.monotonic()
            return await loading, back

        results, back = asyncio.run(scenario())
        stored = get_json(port, "/__mock__/contacts")
        assert mock.process.poll() is None
    _check(results, stored, back)


@pytest.mark.slow
def test_a_restarted_redis_is_used_again_without_restarting_the_mock(tmp_path: Path) -> None:
    with running_redis(tmp_path) as redis:
        port_number = redis.port
        with running_mock(*_mock_args(redis)) as mock:
            port = port_of(mock)
            body, headers = (
                b'{"subject": "x"}',
                {
                    "Authorization": "Token staff-token",
                    "Content-Type": "application/json",
                },
            )
            assert request(port, "POST", "/api/contacts/", body, headers)[0] == 201
            redis.process.send_signal(signal.SIGTERM)
            redis.process.wait(10)
            down = request(port, "POST", "/api/contacts/", body, headers)
            health = request(port, "GET", "/__mock__/health")
            # What needs no store is served as usual.
            invalid = request(port, "POST", "/api/contacts/", b'{"subject": ""}', headers)
            preferred = request(
                port, "POST", "/api/contacts/", body, {**headers, "Prefer": "code=201"}
            )
            # Persistence is off: the new Redis on the same port starts empty.
            with running_redis(tmp_path, port=port_number):
                again = request(port, "POST", "/api/contacts/", body, headers)
                listed = get_json(port, "/__mock__/contacts")
            assert mock.process.poll() is None
    assert (down[0], health[0], invalid[0], preferred[0]) == (503, 503, 400, 201)
    assert down[1]["retry-after"] == "1"
    assert again[0] == 201
    assert [contact["id"] for contact in listed] == [1]


@pytest.mark.slow
def test_a_create_that_got_503_is_never_stored_after_a_pause(tmp_path: Path) -> None:
    # Creates queued in a paused Redis reach it after their requests got 503: their
    # scripts see Redis's clock past the deadline and refuse, so nothing is stored late.
    timeout = STORE_TIMEOUT
    with (
        running_redis(tmp_path) as redis,
        running_mock("--store", redis.url, "--store-timeout", str(timeout),
                     "--log-level", "warning") as mock,
    ):  # fmt: skip
        port = port_of(mock)

        async def scenario() -> list[Result]:
            loading = asyncio.ensure_future(load([port], CLIENTS, 4.5, timeout + SLACK, False))
            await asyncio.sleep(1.0)
            redis.pause()
            await asyncio.sleep(2.5)
            redis.resume()
            return await loading

        results = asyncio.run(scenario())
        stored = get_json(port, "/__mock__/contacts")
    statuses = [r.status for r in results]
    assert set(statuses) == {201, 503}, set(statuses)
    by_id = created(results)
    ids = [contact["id"] for contact in stored]
    print(f"{statuses.count(201)} created, {statuses.count(503)} refused, {len(ids)} stored")
    assert len(ids) == statuses.count(201) == len(by_id)  # exactly the 201s, none lost
    assert sorted(ids) == list(range(1, len(ids) + 1))  # gap-free
    assert {contact["id"]: contact for contact in stored} == by_id


@pytest.mark.slow
def test_readiness_follows_a_stopped_and_restarted_redis(tmp_path: Path) -> None:
    # Open without the control token, as a load balancer's probe is; one warning line
    # when Redis goes away and one when it is back, however many requests in between.
    with running_redis(tmp_path) as redis:
        port_number = redis.port
        args = (*_mock_args(redis), "--control-token", "control-secret")
        with running_mock(*args) as mock:
            port = port_of(mock)
            before = request(port, "GET", "/__mock__/ready")
            redis.process.send_signal(signal.SIGTERM)
            redis.process.wait(10)
            down = [request(port, "GET", "/__mock__/ready") for _ in range(3)]
            live = request(port, "GET", "/__mock__/live")
            with running_redis(tmp_path, port=port_number):
                again = [request(port, "GET", "/__mock__/ready") for _ in range(2)]
            logged = [line for line in mock.stderr if "Redis at" in line]
    assert (before[0], before[2]) == (200, b'{"status":"ok"}')
    assert [(status, body) for status, _, body in down] == [(503, b'{"status":"unavailable"}')] * 3
    assert (live[0], live[2]) == (200, b'{"status":"ok"}')
    assert [answer[0] for answer in again] == [200, 200]
    assert len(logged) == 2, logged
    assert f"Redis at {redis.url} is unavailable: " in logged[0]
    assert logged[0].rstrip().endswith("(answering 503 until it is back)")
    assert logged[1].rstrip().endswith(f"Redis at {redis.url} answers again")
