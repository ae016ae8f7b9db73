"""Where the mock keeps contacts and its request journal: one interface, two stores.

`memory` (the default) keeps them in the process; `redis://` and `rediss://` URLs keep
them in Redis, shared by every worker and replica. No HTTP here.
"""

from __future__ import annotations

from mock_server.settings import Settings
from mock_server.store.base import (
    JOURNAL_BODY_BYTES,
    Contact,
    ContactShape,
    ContactStore,
    JournalEntry,
    SentRequest,
    StoreUnavailable,
)
from mock_server.store.memory import MemoryStore

__all__ = [
    "JOURNAL_BODY_BYTES",
    "Contact",
    "ContactShape",
    "ContactStore",
    "JournalEntry",
    "MemoryStore",
    "SentRequest",
    "StoreUnavailable",
    "open_store",
]

MEMORY = "memory"
REDIS_SCHEMES = ("redis://", "rediss://")


def open_store(settings: Settings, shape: ContactShape) -> ContactStore:
    """The store `settings.store` names. Nothing is connected yet: Redis connects on first
    use, from the event loop that uses it."""
    if settings.store == MEMORY:
        return MemoryStore(shape, settings.max_contacts, settings.journal_size)
    if not settings.store.startswith(REDIS_SCHEMES):
        raise ValueError(f"--store must be {MEMORY} or a redis:// or rediss:// URL")
    # Imported only when used: the memory store needs no Redis client.
    from mock_server.store.redis import RedisStore

    return RedisStore(
        settings.store,
        settings.store_prefix,
        shape,
        settings.max_contacts,
        settings.journal_size,
        settings.store_timeout_s,
    )
