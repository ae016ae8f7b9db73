"""What only the Redis store promises: several store objects (as in several workers and
replicas) share one set of contacts and ids, and an unreachable Redis is reported
within the timeout, credentials masked."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from contacts_core.spec import operation
from mock_server.settings import Settings
from mock_server.store import ContactShape, JournalEntry, StoreUnavailable, open_store
from mock_server.store.redis import masked
from mock_server.store.roundtrips import RoundTrips
from tests.support.mocks import unique_prefix
from tests.support.processes import free_port
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.process

SHAPE = ContactShape(operation())


@pytest.fixture
def settings(redis_server: RedisServer) -> Settings:
    return Settings(store=redis_server.url, store_prefix=unique_prefix(), max_contacts=300)


async def test_stores_on_one_prefix_share_contacts_and_ids(settings: Settings) -> None:
    first, second = open_store(settings, SHAPE), open_store(settings, SHAPE)
    try:
        created = await asyncio.gather(
            *(s.create({"subject": f"c{n}"}) for n in range(200) for s in (first, second))
        )
        # 400 creates, one id each, 1..400 with no gap; the oldest 100 dropped in the same step.
        assert sorted(c["id"] for c in created) == list(range(1, 401))
        by_id = {c["id"]: c for c in created}
        assert await first.all() == [by_id[n] for n in range(101, 401)]
        assert await second.all() == await first.all()
        # The journal too: what one records, once written, the other reads.
        entry = JournalEntry("POST", "/api/contacts/", 201, 1767225600.0, 0.001)
        second.record(entry)
        await second.journal()  # writes what `second` has pending
        assert await first.journal() == [entry]
    finally:
        await first.close()
        await second.close()


async def test_prefixes_keep_mocks_apart(settings: Settings) -> None:
    mine = open_store(settings, SHAPE)
    other = open_store(Settings(store=settings.store, store_prefix=unique_prefix()), SHAPE)
    try:
        await mine.create({"subject": "mine"})
        assert await other.all() == []
        assert (await other.create({"subject": "other"}))["id"] == 1
        await other.reset()
        assert await mine.count() == 1
    finally:
        await mine.close()
        await other.close()


async def test_an_unreachable_redis_is_unavailable_within_the_timeout() -> None:
    url = f"redis://:secret@127.0.0.1:{free_port()}/0"
    store = open_store(Settings(store=url, store_timeout_s=0.5), SHAPE)
    try:
        for call in (store.ping(), store.create({"subject": "x"}), store.all(), store.journal()):
            with pytest.raises(StoreUnavailable) as raised:
                await asyncio.wait_for(call, 5)  # a bound on the test, not a speed check
            assert f"Redis at redis://:***@127.0.0.1:{url.split(':')[-1]}" in str(raised.value)
            assert "secret" not in str(raised.value)
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://user:pw@host:1/2", "redis://user:***@host:1/2"),
        (
            "rediss://:pw@host/0?password=pw&ssl_cert_reqs=none",
            "rediss://:***@host/0?password=***&ssl_cert_reqs=none",
        ),
    ],
)
def test_urls_are_shown_without_passwords(url: str, shown: str) -> None:
    assert masked(url) == shown


async def test_scripts_are_loaded_again_when_redis_forgets_them(settings: Settings) -> None:
    store = open_store(settings, SHAPE)
    try:
        await store.create({"subject": "before"})
        client = Redis.from_url(settings.store)
        await client.script_flush()  # as a restart or SCRIPT FLUSH leaves Redis
        await client.aclose()
        created = await asyncio.gather(*(store.create({"subject": f"after {n}"}) for n in range(5)))
        assert [c["id"] for c in created] == [2, 3, 4, 5, 6]
    finally:
        await store.close()


async def test_a_failing_command_fails_alone(redis_server: RedisServer) -> None:
    client = Redis.from_url(redis_server.url)
    trips = RoundTrips(client, (), 5, RuntimeError, list, _none)
    try:
        refused, answered = await asyncio.gather(
            trips.call("NO-SUCH-COMMAND"), trips.call("PING"), return_exceptions=True
        )
    finally:
        await client.aclose()
    # An error answer is the store's to report (a 503 naming it), and its own only.
    assert isinstance(refused, RuntimeError)
    assert isinstance(refused.args[0], ResponseError)
    assert answered is True


def _none() -> None:
    return None
