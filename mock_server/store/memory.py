"""Contacts in this process's memory: the default store, for one developer and one worker."""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from typing import Any

from contacts_core.clock import utc_now
from mock_server.store.base import Contact, ContactShape, JournalEntry


class MemoryStore:
    """Contacts by id, oldest first, in one process (see ContactStore).

    Each contact is kept as a tuple of its values in the spec's field order (a third of
    a dict's size), and turned back into a dict when read. Nothing here awaits, so each
    operation is atomic under asyncio; a lock makes them safe from several threads too
    (uncontended, it costs next to nothing).
    """

    def __init__(self, shape: ContactShape, max_contacts: int, journal_size: int) -> None:
        if max_contacts < 1:
            raise ValueError("max_contacts must be at least 1")
        self.shape = shape
        self.max_contacts = max_contacts
        self._keys = shape.fields
        self._contacts: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        self._last_id = 0
        self._lock = threading.Lock()
        self._journal: deque[JournalEntry] = deque(maxlen=journal_size)

    def describe(self) -> str:
        return "memory (this process only)"

    async def ping(self) -> None:
        return None

    async def create(self, sent: Mapping[str, Any]) -> Contact:
        now = utc_now()
        with self._lock:
            self._last_id += 1
            contact = self.shape.new(self._last_id, sent, now)
            self._keep(contact)
        return contact

    async def get(self, contact_id: int) -> Contact | None:
        values = self._contacts.get(contact_id)
        return None if values is None else dict(zip(self._keys, values, strict=True))

    async def all(self) -> list[Contact]:
        with self._lock:
            stored = list(self._contacts.values())
        return [dict(zip(self._keys, values, strict=True)) for values in stored]

    async def count(self) -> int:
        return len(self._contacts)

    async def mark_viewed(self, contact_id: int) -> Contact | None:
        changes = self.shape.viewed(utc_now())
        with self._lock:
            values = self._contacts.get(contact_id)
            if values is None:
                return None
            contact = dict(zip(self._keys, values, strict=True)) | changes
            self._contacts[contact_id] = tuple(contact.values())
        return contact

    async def seed(self, contacts: Sequence[Contact]) -> bool:
        with self._lock:
            if self._last_id or self._contacts:
                return False
            for contact in contacts:
                self._keep(contact)
                self._last_id = max(self._last_id, contact[self.shape.id_field])
        return True

    async def reset(self) -> None:
        with self._lock:
            self._contacts.clear()
            self._last_id = 0

    def record(self, entry: JournalEntry) -> None:
        self._journal.append(entry)

    async def journal(self) -> list[JournalEntry]:
        return list(self._journal)

    async def clear_journal(self) -> None:
        self._journal.clear()

    async def close(self) -> None:
        return None

    def _keep(self, contact: Contact) -> None:
        # Called with the lock held. Keys beyond the contract's cannot occur: contacts
        # are validated first (seed files included).
        self._contacts[contact[self.shape.id_field]] = tuple(contact[key] for key in self._keys)
        while len(self._contacts) > self.max_contacts:
            self._contacts.popitem(last=False)
