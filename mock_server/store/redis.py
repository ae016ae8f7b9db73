"""Contacts in Redis: one store shared by every worker and replica of the mock.

Every change is one server-side Lua script, so it is atomic across processes: a create
takes the next id, stores the contact and drops the oldest beyond `max_contacts` in one
step. All keys of one mock share the hash tag `{prefix}`, so they live in one slot and
the scripts also run on Redis Cluster and managed services: given any node of a cluster,
the store follows the MOVED answer to the slot's node (see roundtrips.py). Needs Redis
6.2 or later (LPOP with a count).

Keys, for prefix P:
    {P}:last-id    the last id given (INCR)
    {P}:order      the ids, oldest first (a list)
    {P}:contacts   id -> JSON array of the contact's values but the id, in the spec's order
    {P}:views      id -> JSON object of what marking it viewed changed (absent until then)
    {P}:journal    the last requests, oldest first (a list of JSON arrays, trimmed)

Commands of concurrent requests share round trips (see roundtrips.py). Every call is
bounded by `timeout` seconds, reconnecting included; past it, or when Redis refuses the
connection, the call raises StoreUnavailable and the mock answers 503. The next call
tries again, so the mock recovers by itself when Redis is back. A create carries its
deadline into its script, which refuses once Redis's clock has passed it: a create that
got 503 is never stored later, when a paused or busy Redis gets to it (deadline_margin).
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError

from contacts_core.clock import utc_now
from mock_server.store.base import Contact, ContactShape, JournalEntry, StoreUnavailable
from mock_server.store.roundtrips import Command, RoundTrips, Script

logger = logging.getLogger("mock_server")

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

# KEYS: last-id, order, contacts, views. ARGV: max_contacts, the deadline (Unix time in
# microseconds, the mock's clock less DEADLINE_MARGIN), the values (JSON).
# Refuses, storing nothing and taking no id, once Redis's own clock has passed the
# deadline: by then the mock has answered 503 or is about to (see DEADLINE_MARGIN).
_CREATE = Script(
    _TRIM
    + """
local now = redis.call('TIME')
if tonumber(now[1]) * 1000000 + tonumber(now[2]) > tonumber(ARGV[2]) then
  return redis.error_reply('DEADLINE the create reached Redis after its request gave up; nothing stored')
end
local id = redis.call('INCR', KEYS[1])
redis.call('RPUSH', KEYS[2], id)
redis.call('HSET', KEYS[3], id, ARGV[3])
trim(KEYS[2], KEYS[3], KEYS[4], tonumber(ARGV[1]))
return id
"""
)

# KEYS: last-id, order, contacts, views. ARGV: max_contacts, then id, values, id, values...
# Loads nothing when the store holds contacts or has given ids since its last reset.
_SEED = Script(
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
_VIEW = Script("""
local values = redis.call('HGET', KEYS[1], ARGV[1])
if not values then return false end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return values
""")

# KEYS: contacts, views. ARGV: id. Returns {values, changes}.
_GET = Script("""
return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('HGET', KEYS[2], ARGV[1])}
""")

# KEYS: order, contacts, views. Returns {ids, values, changes}, oldest first, as one snapshot.
_ALL = Script("""
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
""")


def deadline_margin(timeout: float) -> float:
    """How much earlier than the request's own bound a create's script refuses, in s.

    The script compares the deadline, read on the mock's clock, with Redis's TIME, read
    in the same script, so it is never fooled by how long the command queued (behind a
    paused or busy Redis, or a full round trip): a late script refuses. What it cannot see
    is the two clocks disagreeing, nor the answer's trip back. The margin covers both: a
    script that stores does so at least this long before the mock gives up, so its 201
    arrives in time, as long as Redis's clock is not behind the mock's by more than the
    margin less that trip (NTP keeps hosts within milliseconds; the margin is a quarter of
    --store-timeout, at most 250 ms). A Redis ahead of the mock only refuses a little
    early: a 503 that is true."""
    return min(0.25, timeout / 4)


def masked(url: str) -> str:
    """The URL without its password (in the user part or the query), for messages."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rpartition('@')[2]}"
    query = urlencode(
        [(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)],
        safe="*/",  # a file path (ssl_ca_certs=...) reads as written
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
        self._margin = deadline_margin(timeout)
        self._journal_size = journal_size
        client = Redis.from_url(
            url,
            # No per-read timer: every round trip is bounded by `timeout` as a whole.
            socket_timeout=None,
            socket_connect_timeout=timeout,
            # One immediate retry on a broken connection (Redis restarted since the
            # pooled connection was made); within the same bound.
            retry=Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        )
        tag = f"{{{prefix}}}"  # one hash tag: every key in one slot
        self._last_id, self._order = f"{tag}:last-id", f"{tag}:order"
        self._contacts, self._views = f"{tag}:contacts", f"{tag}:views"
        self._journal = f"{tag}:journal"
        self._all_keys = (self._last_id, self._order, self._contacts, self._views)
        # The create's command but its values, encoded once: packing arguments for Redis
        # is a good part of a create's CPU time, and bytes pack fastest.
        self._create_command = tuple(
            str(arg).encode() for arg in _CREATE.call(self._all_keys, max_contacts)
        )
        # Journal entries wait here and ride along the next round trip, so a request
        # never waits for its own entry.
        self._pending: deque[JournalEntry] = deque(maxlen=journal_size)
        self._riding: list[JournalEntry] = []
        self._trips = RoundTrips(
            client,
            (_CREATE, _SEED, _VIEW, _GET, _ALL),
            timeout,
            self._unavailable,
            riders=self._journal_commands,
            riders_lost=self._journal_lost,
            reached=self._reached,
        )
        self._closed = False
        # None until the first round trip: a start-up check that fails says so itself.
        self._reachable: bool | None = None

    def describe(self) -> str:
        return f"Redis at {self.url}, keys {{{self.prefix}}}:*"

    async def ping(self) -> None:
        # A key of the store, not PING: a cluster whose nodes do not serve its slot
        # answers PING but not this.
        await self._trips.call("EXISTS", self._last_id)

    async def create(self, sent: Mapping[str, Any]) -> Contact:
        contact = self.shape.new(0, sent, utc_now())
        values = json.dumps([contact[name] for name in self.shape.value_fields]).encode()
        # The call's own bound starts now: the script must have stored it well before.
        deadline = int((time.time() + self.timeout - self._margin) * 1_000_000)
        contact_id = await self._trips.call(*self._create_command, deadline, values)
        contact[self.shape.id_field] = contact_id
        return contact

    async def get(self, contact_id: int) -> Contact | None:
        values, changes = await self._trips.call(
            *_GET.call((self._contacts, self._views), contact_id)
        )
        return None if values is None else self._contact(contact_id, values, changes)

    async def all(self) -> list[Contact]:
        ids, values, changes = await self._trips.call(
            *_ALL.call((self._order, self._contacts, self._views))
        )
        return [
            self._contact(int(contact_id), stored, changed)
            for contact_id, stored, changed in zip(ids, values, changes, strict=True)
            if stored is not None
        ]

    async def count(self) -> int:
        count: int = await self._trips.call("LLEN", self._order)
        return count

    async def mark_viewed(self, contact_id: int) -> Contact | None:
        changes = self.shape.viewed(utc_now())
        values = await self._trips.call(
            *_VIEW.call((self._contacts, self._views), contact_id, json.dumps(changes))
        )
        return (
            None if values is None else self.shape.rebuild(contact_id, json.loads(values), changes)
        )

    async def seed(self, contacts: Sequence[Contact]) -> bool:
        id_field, fields = self.shape.id_field, self.shape.value_fields
        args: list[Any] = [self.max_contacts]
        for contact in contacts:
            args += [contact[id_field], json.dumps([contact[name] for name in fields])]
        return bool(await self._trips.call(*_SEED.call(self._all_keys, *args)))

    async def reset(self) -> None:
        await self._trips.call("DEL", *self._all_keys)

    def record(self, entry: JournalEntry) -> None:
        self._pending.append(entry)
        if not self._closed:
            self._trips.start()

    async def journal(self) -> list[JournalEntry]:
        # In the same round trip as this process's entries not yet written, after them.
        entries = await self._trips.call("LRANGE", self._journal, 0, -1)
        return [JournalEntry.loads(entry) for entry in entries]

    async def clear_journal(self) -> None:
        # Entries still waiting to ride along are older than the request that clears.
        self._pending.clear()
        await self._trips.call("DEL", self._journal)

    async def close(self) -> None:
        # Entries Redis does not take now are lost with the process.
        self._trips.start()
        await self._trips.drain()
        self._closed = True
        await self._trips.aclose()

    def _journal_commands(self) -> list[Command]:
        self._riding = list(self._pending)
        self._pending.clear()
        if not self._riding:
            return []
        return [
            ("RPUSH", self._journal, *(entry.dumps() for entry in self._riding)),
            ("LTRIM", self._journal, -self._journal_size, -1),
        ]

    def _journal_lost(self) -> None:
        # Keep the newest entries for the next round trip.
        self._pending = deque([*self._riding, *self._pending], maxlen=self._journal_size)

    def _contact(self, contact_id: int, values: bytes, changes: bytes | None) -> Contact:
        return self.shape.rebuild(
            contact_id, json.loads(values), None if changes is None else json.loads(changes)
        )

    def _reached(self, error: BaseException | None) -> None:
        # One line when Redis becomes unreachable and one when it is back, not one per
        # request: the access log's 503s say the rest.
        if error is not None and self._reachable:
            logger.warning("%s (answering 503 until it is back)", self._unavailable(error))
        elif error is None and self._reachable is False:
            logger.warning("Redis at %s answers again", self.url)
        self._reachable = error is None

    def _unavailable(self, error: BaseException) -> StoreUnavailable:
        if isinstance(error, TimeoutError):  # the round trip's bound
            reason = f"no answer within {self.timeout:g} s"
        else:
            reason = (str(error).splitlines() or [type(error).__name__])[0]
        if isinstance(error.__context__, ssl.SSLCertVerificationError):
            reason += " (a certificate this machine does not trust: give its CA in the URL, "
            reason += "rediss://...?ssl_ca_certs=/path/to/ca.pem)"
        return StoreUnavailable(f"Redis at {self.url} is unavailable: {reason}")
