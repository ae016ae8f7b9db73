"""The store interface, the same tests for both stores: ids, eviction, seeding once,
reset, view, the journal and atomicity under concurrency."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from contacts_core.spec import operation
from mock_server.settings import Settings
from mock_server.store import ContactShape, ContactStore, JournalEntry, open_store
from tests.support.mocks import BOTH_STORES

pytestmark = BOTH_STORES

OPERATION = operation()
SHAPE = ContactShape(OPERATION)
MakeStore = Callable[..., ContactStore]


@pytest.fixture
async def make_store(store: dict[str, Any]) -> AsyncIterator[MakeStore]:
    made: list[ContactStore] = []

    def make(**overrides: Any) -> ContactStore:
        made.append(open_store(Settings(**(store | overrides)), SHAPE))
        return made[-1]

    yield make
    for opened in made:
        await opened.close()


def seed_contact(contact_id: int, subject: str = "seeded") -> dict[str, Any]:
    return SHAPE.new(contact_id, {"subject": subject}, "2026-01-01T00:00:00Z")


async def test_created_contacts_have_the_spec_shape_and_gap_free_ids(make_store: MakeStore) -> None:
    store = make_store()
    first = await store.create({"subject": "a", "email": "a@example.com"})
    second = await store.create({"subject": "b"})
    assert list(first) == list(OPERATION.response_fields)
    assert (first["id"], second["id"]) == (1, 2)
    assert first | OPERATION.creation_values == first
    assert first["created_at"] == first["updated_at"]
    assert second["email"] == OPERATION.unsent_values["email"]
    assert await store.all() == [first, second]
    assert await store.get(2) == second
    assert await store.count() == 2


async def test_beyond_max_contacts_the_oldest_go(make_store: MakeStore) -> None:
    store = make_store(max_contacts=3)
    for number in range(7):
        await store.create({"subject": f"s{number}"})
    assert [c["id"] for c in await store.all()] == [5, 6, 7]
    assert await store.get(4) is None
    assert await store.count() == 3


async def test_reset_forgets_everything_and_ids_start_again(make_store: MakeStore) -> None:
    store = make_store()
    for _ in range(3):
        await store.create({"subject": "x"})
    await store.reset()
    assert await store.all() == []
    assert (await store.create({"subject": "y"}))["id"] == 1


async def test_view_changes_what_the_spec_says_and_keeps_the_order(make_store: MakeStore) -> None:
    store = make_store()
    created = await store.create({"subject": "x"})
    viewed = await store.mark_viewed(1)
    assert viewed is not None
    assert list(viewed) == list(created)
    assert viewed["viewed"] is True
    assert viewed["viewed_at"] == viewed["updated_at"] >= created["created_at"]
    assert viewed["created_at"] == created["created_at"]
    assert await store.all() == [viewed]
    assert await store.mark_viewed(2) is None


async def test_seed_loads_once_and_ids_continue_after_the_highest(make_store: MakeStore) -> None:
    store = make_store(max_contacts=2)
    seeds = [seed_contact(9), seed_contact(3), seed_contact(5)]
    assert await store.seed(seeds) is True
    # Beyond max_contacts the first seeds go, as the oldest would.
    assert await store.all() == seeds[1:]
    assert await store.seed([seed_contact(20)]) is False
    assert (await store.create({"subject": "next"}))["id"] == 10


async def test_seed_is_not_loaded_into_a_store_that_was_used(make_store: MakeStore) -> None:
    store = make_store()
    await store.create({"subject": "x"})
    assert await store.seed([seed_contact(7)]) is False
    assert [c["id"] for c in await store.all()] == [1]


async def test_the_journal_is_bounded_and_oldest_first(make_store: MakeStore) -> None:
    store = make_store(journal_size=3)
    now = time.time()
    entries = [JournalEntry("POST", f"/p{n}", 201, now, 0.001) for n in range(5)]
    for entry in entries:
        store.record(entry)
    assert await store.journal() == entries[2:]


async def test_concurrent_creates_lose_and_double_nothing(make_store: MakeStore) -> None:
    store = make_store()
    created = await asyncio.gather(*(store.create({"subject": f"c{n}"}) for n in range(300)))
    assert sorted(c["id"] for c in created) == list(range(1, 301))
    assert sorted(await store.all(), key=lambda c: c["id"]) == sorted(
        created, key=lambda c: c["id"]
    )
