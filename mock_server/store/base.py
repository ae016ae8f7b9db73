"""What every store offers, and the shape of a contact, read from the spec. No HTTP."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from contacts_core.clock import rfc3339
from contacts_core.spec import Operation

Contact = dict[str, Any]


class StoreUnavailable(Exception):
    """The store cannot be reached in time; the message says which and why, in one line.
    The mock answers 503: its own infrastructure error, not part of the contract."""


class ContactShape:
    """A contact as the spec describes it: its fields in order and the values the server
    sets, on creation and when a contact is viewed. Built once; the stores use it to
    build, keep and read contacts, so no store names a field."""

    def __init__(self, op: Operation) -> None:
        (self.id_field,) = op.id_fields
        self.fields = op.response_fields
        # Everything but the id, which the stores keep as the contact's key.
        self.value_fields = tuple(f for f in self.fields if f != self.id_field)
        self._operation = op
        self._template = {
            name: op.creation_values.get(name, op.unsent_values.get(name)) for name in self.fields
        }
        self._timestamps = op.timestamp_fields

    def new(self, contact_id: int, sent: Mapping[str, Any], now: str) -> Contact:
        """A new contact from validated request fields: unsent ones as the spec's examples
        show, server-set ones as on creation, in the spec's field order."""
        contact = self._template.copy()
        contact.update(sent)
        contact[self.id_field] = contact_id
        for name in self._timestamps:
            contact[name] = now
        return contact

    def rebuild(
        self, contact_id: int, values: Sequence[Any], changes: Mapping[str, Any] | None = None
    ) -> Contact:
        """A contact from its id, its `value_fields` values and later changes, if any."""
        contact = self._template.copy()
        contact.update(zip(self.value_fields, values, strict=True))
        contact[self.id_field] = contact_id
        if changes:
            contact.update(changes)
        return contact

    def viewed(self, now: str) -> dict[str, Any]:
        """The changes marking a contact as viewed at `now`."""
        return self._operation.viewed_values(now)


# The largest body the journal keeps (every body the spec allows fits), so that it stays
# bounded; `contacts-mock --record` keeps every body.
JOURNAL_BODY_BYTES = 64 * 1024


class SentRequest(NamedTuple):
    """What a case needs of a request of the contract's operation, beside its path and
    time: its credential by name (never the key), content type and body (None when over
    JOURNAL_BODY_BYTES: not kept), and whether the body was cut (a body over the spec's
    limit is kept as its first limit + 1 bytes)."""

    credential: str
    content_type: str | None
    body: bytes | None
    cut: bool


class JournalEntry(NamedTuple):
    """One request the journal remembers; turned into JSON only when someone asks.
    `request`: for the contract operation's requests, what a case needs of it."""

    method: str
    path: str
    status: int
    started: float
    duration: float
    request: SentRequest | None = None

    def dumps(self) -> str:
        """The entry as a JSON array, bytes as Latin-1 text: for a store that keeps text."""
        sent, request = self.request, None
        if sent is not None:
            body = None if sent.body is None else sent.body.decode("latin-1")
            request = [sent.credential, sent.content_type, body, sent.cut]
        return json.dumps([*self[:5], request])

    @classmethod
    def loads(cls, text: str | bytes) -> JournalEntry:
        """An entry from `dumps`' JSON."""
        # An entry of an earlier mock sharing the store has no request part.
        method, path, status, started, duration, *rest = json.loads(text)
        sent = rest[0] if rest else None
        if sent is not None:
            credential, content_type, body, cut = sent
            raw = None if body is None else body.encode("latin-1")
            sent = SentRequest(credential, content_type, raw, cut)
        return cls(method, path, status, started, duration, sent)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "time": rfc3339(self.started, 3),
            "duration_ms": round(self.duration * 1000, 3),
        }


class ContactStore(Protocol):
    """Contacts by id, oldest first, and the journal of recent requests.

    Ids start at 1, have no gaps and are never reused until `reset`. Beyond
    `max_contacts` the oldest contacts are dropped, in the same step as the create.
    Every operation is atomic; the async ones raise StoreUnavailable when the store
    cannot be reached in time.
    """

    shape: ContactShape
    max_contacts: int

    def describe(self) -> str:
        """The store in a few words, for the start-up banner (no credentials)."""

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""

    async def create(self, sent: Mapping[str, Any]) -> Contact:
        """Store a new contact from validated request fields and return it."""

    async def get(self, contact_id: int) -> Contact | None: ...

    async def all(self) -> list[Contact]:
        """Every stored contact, oldest first."""

    async def count(self) -> int: ...

    async def mark_viewed(self, contact_id: int) -> Contact | None:
        """Apply `shape.viewed(now)`; None if there is no such contact."""

    async def seed(self, contacts: Sequence[Contact]) -> bool:
        """Load full contacts (a seed file) unless the store holds or has held contacts
        since its last reset; later ids continue after the highest. True if loaded."""

    async def reset(self) -> None:
        """Forget every contact; ids start again at 1."""

    def record(self, entry: JournalEntry) -> None:
        """Add a request to the journal (bounded; the oldest entries go). Never waits."""

    async def journal(self) -> list[JournalEntry]:
        """The journal, oldest first."""

    async def clear_journal(self) -> None:
        """Forget every journal entry (contacts stay)."""

    async def close(self) -> None:
        """Write what is pending and let go of connections."""
