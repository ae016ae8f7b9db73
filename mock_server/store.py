"""In-memory contacts: ids, the size bound, reset. Plain Python, no HTTP."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

Contact = dict[str, Any]

_second: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """The current time as RFC 3339 in UTC with microseconds, as Django REST Framework writes it."""
    global _second
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    if _second[0] != seconds:
        # Formatting the date and time is the slow part; it changes once a second.
        _second = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return f"{_second[1]}.{nanoseconds // 1000:06d}Z"


class ContactStore:
    """Contacts by id, oldest first. Ids start at 1 and are never reused until `reset`.

    Each contact is kept as a tuple of its values in the spec's field order (a third of
    a dict's size), and turned back into a dict when read. Beyond `max_contacts` the
    oldest contacts are dropped, so memory stays bounded. A lock makes `create` safe
    from several threads; under asyncio it is uncontended.
    """

    def __init__(self, fields: tuple[str, ...], max_contacts: int = 100_000) -> None:
        if max_contacts < 1:
            raise ValueError("max_contacts must be at least 1")
        self._blank = dict.fromkeys(fields, "")
        self._keys = ("id", *fields, "viewed", "viewed_at", "created_at", "updated_at")
        self.max_contacts = max_contacts
        self._contacts: OrderedDict[int, tuple[Any, ...]] = OrderedDict()
        self._last_id = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._contacts)

    def create(self, fields: Mapping[str, Any]) -> Contact:
        """Store a new contact from validated request fields and return it."""
        now = utc_now()
        with self._lock:
            self._last_id += 1
            # Unsent fields come back as empty strings, in the spec's field order.
            contact: Contact = {"id": self._last_id, **self._blank, **fields}
            contact.update(viewed=False, viewed_at=None, created_at=now, updated_at=now)
            self._keep(contact)
        return contact

    def get(self, contact_id: int) -> Contact | None:
        values = self._contacts.get(contact_id)
        return None if values is None else dict(zip(self._keys, values, strict=True))

    def all(self) -> list[Contact]:
        return [dict(zip(self._keys, values, strict=True)) for values in self._contacts.values()]

    def mark_viewed(self, contact_id: int) -> Contact | None:
        """Set `viewed`, `viewed_at` and `updated_at`; None if there is no such contact."""
        with self._lock:
            contact = self.get(contact_id)
            if contact is not None:
                now = utc_now()
                contact.update(viewed=True, viewed_at=now, updated_at=now)
                self._contacts[contact_id] = tuple(contact.values())
        return contact

    def load(self, contacts: list[Contact]) -> None:
        """Preload full contacts (a seed file); later ids continue after the highest one."""
        with self._lock:
            for contact in contacts:
                self._keep(contact)
                self._last_id = max(self._last_id, contact["id"])

    def reset(self) -> None:
        """Forget every contact; ids start again at 1."""
        with self._lock:
            self._contacts.clear()
            self._last_id = 0

    def _keep(self, contact: Contact) -> None:
        # Called with the lock held. Keys beyond the contract's (a seed file may have
        # them) are not kept; missing ones cannot occur: contacts are validated first.
        self._contacts[contact["id"]] = tuple(contact[key] for key in self._keys)
        while len(self._contacts) > self.max_contacts:
            self._contacts.popitem(last=False)
