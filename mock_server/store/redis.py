"""Contacts in Redis: one store shared by every worker and replica of the mock.

Every change is one server-side Lua script, so it is atomic across processes: a create
takes the next id, stores the contact and drops the oldest beyond `max_contacts` in one
step. All keys of one mock share the hash tag `{prefix}`, so they live in one slot and
the scripts also run on Redis Cluster and managed services. Needs Redis 6.2 or later
(LPOP with a count).

Keys, for prefix P:
    {P}:last-id    the last id given (INCR)
    {P}:order      the ids, oldest first (a list)
    {P}:contacts   id -> JSON array of the contact's values but the id, in the spec's order
    {P}:views      id -> JSON object of what marking it viewed changed (absent until then)
    {P}:journal    the last requests, oldest first (a list of JSON arrays, trimmed)

Every call is bounded by `timeout` seconds, reconnecting included; past it, or when Redis
refuses the connection, the call raises StoreUnavailable and the mock answers 503. The
next call tries again, so the mock recovers by itself when Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis import exceptions as redis_errors
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from mock_server.store.base import Contact, ContactShape, JournalEntry, StoreUnavailable
from mock_server.store.clock import utc_now

T = TypeVar("T")

MAX_CONNECTIONS = 64

# Errors that mean "Redis cannot serve right now" (not a bug in a script): unreachable,
# too slow, still loading its data, or a replica after a failover.
_UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    OSError,
)

# Drops the oldest ids beyond the bound, a thousand at a time (Lua's unpack has a limit).
_TRIM = """
local function trim(order, contacts, views, max)
  local excess = redis.call('LLEN', order) - max
  while excess > 0 do
    local ids = redis.call('LPOP', order, math.min(excess, 1000))
    redis.call('HDEL', contacts, unpack(ids))
    redis.call('HDEL', views, unpack(ids))
    excess = excess - #ids
  end
end
"""

# KEYS: last-id, order, contacts, views. ARGV: the values (JSON), max_contacts.
_CREATE = (
    _TRIM
    + """
local id = redis.call('INCR', KEYS[1])
redis.call('RPUSH', KEYS[2], id)
redis.call('HSET', KEYS[3], id, ARGV[1])
trim(KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[2]))
return id
"""
)

# KEYS: last-id, order, contacts, views. ARGV: max_contacts, then id, values, id, values...
# Loads nothing when the store holds contacts or has given ids since its last reset.
_SEED = (
    _TRIM
    + """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
local last = 0
for i = 2, #ARGV, 2 do
  local id = tonumber(ARGV[i])
  redis.call('RPUSH', KEYS[2], id)
  redis.call('HSET', KEYS[3], id, ARGV[i + 1])
  if id > last then last = id end
end
trim(KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]))
if last > 0 then redis.call('SET', KEYS[1], last) end
return 1
"""
)

# KEYS: contacts, views. ARGV: id, the changes (JSON). Returns the values, or nil.
_VIEW = """
local values = redis.call('HGET', KEYS[1], ARGV[1])
if not values then return false end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return values
"""

# KEYS: contacts, views. ARGV: id. Returns {values, changes}.
_GET = """
return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('HGET', KEYS[2], ARGV[1])}
"""

# KEYS: order, contacts, views. Returns {ids, values, changes}, oldest first, as one snapshot.
_ALL = """
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
local values, changes = {}, {}
for first = 1, #ids, 1000 do
  local last = math.min(first + 999, #ids)
  local v = redis.call('HMGET', KEYS[2], unpack(ids, first, last))
  local c = redis.call('HMGET', KEYS[3], unpack(ids, first, last))
  for i = 1, #v do
    values[#values + 1] = v[i]
    changes[#changes + 1] = c[i]
  end
end
return {ids, values, changes}
"""


def masked(url: str) -> str:
    """The URL without its password (in the user part or the query), for messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rpartition('@')[2]}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)], safe="*"
    )
    return urlunsplit(parts._replace(netloc=netloc, query=query))


class RedisStore:
    """Contacts and the journal in Redis, shared by every process that uses the same URL
    and prefix (see ContactStore). Connects on first use, from the running event loop."""

    def __init__(
        self,
        url: str,
        prefix: str,
        shape: ContactShape,
        max_contacts: int,
        journal_size: int,
        timeout: float,
    ) -> None:
        if max_contacts < 1:
            raise ValueError("max_contacts must be at least 1")
        self.shape = shape
        self.max_contacts = max_contacts
        self.url = masked(url)
        self.prefix = prefix
        self.timeout = timeout
        self._journal_size = journal_size
        pool = BlockingConnectionPool.from_url(
            url,
            # Requests beyond this many at once wait for a connection (within `timeout`)
            # instead of failing: Redis answers in microseconds, so a few dozen suffice.
            max_connections=MAX_CONNECTIONS,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            # One immediate retry on a broken connection (Redis restarted since the
            # pooled connection was made); timeouts are not retried: the caller's bound
            # is `timeout` in all.
            retry=Retry(NoBackoff(), 1, supported_errors=(redis_errors.ConnectionError,)),
        )
        self._client = Redis.from_pool(pool)
        key = f"{{{prefix}}}:".__add__
        self._last_id, self._order = key("last-id"), key("order")
        self._contacts, self._views, self._journal = key("contacts"), key("views"), key("journal")
        self._create = self._client.register_script(_CREATE)
        self._seed = self._client.register_script(_SEED)
        self._view = self._client.register_script(_VIEW)
        self._get = self._client.register_script(_GET)
        self._all = self._client.register_script(_ALL)
        # Journal entries wait here and are written in batches by one task at a time,
        # so a request never waits for its own entry.
        self._pending: deque[JournalEntry] = deque(maxlen=journal_size)
        self._writing: asyncio.Task[None] | None = None
        self._closed = False

    def describe(self) -> str:
        return f"Redis at {self.url}, keys {{{self.prefix}}}:*"

    async def ping(self) -> None:
        await self._call(self._client.ping())

    async def create(self, sent: Mapping[str, Any]) -> Contact:
        contact = self.shape.new(0, sent, utc_now())
        values = json.dumps([contact[name] for name in self.shape.value_fields])
        keys = (self._last_id, self._order, self._contacts, self._views)
        contact[self.shape.id_field] = await self._call(
            self._create(keys=keys, args=(values, self.max_contacts))
        )
        return contact

    async def get(self, contact_id: int) -> Contact | None:
        values, changes = await self._call(
            self._get(keys=(self._contacts, self._views), args=(contact_id,))
        )
        return None if values is None else self._contact(contact_id, values, changes)

    async def all(self) -> list[Contact]:
        keys = (self._order, self._contacts, self._views)
        ids, values, changes = await self._call(self._all(keys=keys))
        return [
            self._contact(int(contact_id), stored, changed)
            for contact_id, stored, changed in zip(ids, values, changes, strict=True)
            if stored is not None
        ]

    async def count(self) -> int:
        count: int = await self._call(self._client.llen(self._order))
        return count

    async def mark_viewed(self, contact_id: int) -> Contact | None:
        changes = self.shape.viewed(utc_now())
        values = await self._call(
            self._view(keys=(self._contacts, self._views), args=(contact_id, json.dumps(changes)))
        )
        return (
            None if values is None else self.shape.rebuild(contact_id, json.loads(values), changes)
        )

    async def seed(self, contacts: Sequence[Contact]) -> bool:
        id_field, fields = self.shape.id_field, self.shape.value_fields
        args: list[Any] = [self.max_contacts]
        for contact in contacts:
            args += [contact[id_field], json.dumps([contact[name] for name in fields])]
        keys = (self._last_id, self._order, self._contacts, self._views)
        return bool(await self._call(self._seed(keys=keys, args=args)))

    async def reset(self) -> None:
        await self._call(
            self._client.delete(self._last_id, self._order, self._contacts, self._views)
        )

    def record(self, entry: JournalEntry) -> None:
        self._pending.append(entry)
        if self._writing is None and not self._closed:
            self._writing = asyncio.get_running_loop().create_task(self._write_journal())

    async def journal(self) -> list[JournalEntry]:
        await self._flush()
        entries = await self._call(self._client.lrange(self._journal, 0, -1))
        return [JournalEntry(*json.loads(entry)) for entry in entries]

    async def close(self) -> None:
        # Entries Redis does not take now are lost with the process.
        with contextlib.suppress(StoreUnavailable):
            await self._flush()
        self._closed = True
        await self._client.aclose()

    async def _flush(self) -> None:
        """Write every journal entry this process has recorded so far."""
        if self._writing is not None:
            await asyncio.shield(self._writing)
        if self._pending:
            self._writing = asyncio.get_running_loop().create_task(self._write_journal())
            await asyncio.shield(self._writing)
            if self._pending:
                raise StoreUnavailable(f"Redis at {self.url} did not take the journal")

    async def _write_journal(self) -> None:
        try:
            while self._pending:
                batch = list(self._pending)
                self._pending.clear()
                try:
                    await self._call(self._push(batch))
                except StoreUnavailable:
                    # Keep the newest entries for the next try (the next request's).
                    self._pending = deque([*batch, *self._pending], maxlen=self._journal_size)
                    return
        finally:
            self._writing = None

    async def _push(self, batch: list[JournalEntry]) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.rpush(self._journal, *(json.dumps(entry) for entry in batch))
            pipe.ltrim(self._journal, -self._journal_size, -1)
            await pipe.execute()

    def _contact(self, contact_id: int, values: bytes, changes: bytes | None) -> Contact:
        return self.shape.rebuild(
            contact_id, json.loads(values), None if changes is None else json.loads(changes)
        )

    async def _call(self, operation: Awaitable[T]) -> T:
        """Await one Redis operation, at most `timeout` seconds in all."""
        try:
            async with asyncio.timeout(self.timeout):
                return await operation
        except TimeoutError:  # asyncio.timeout's
            reason = f"no answer within {self.timeout:g} s"
        except _UNAVAILABLE as error:
            reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise StoreUnavailable(f"Redis at {self.url} is unavailable: {reason}")
