"""The operationId targets: the contract's behaviour once a request has passed the gate."""

from __future__ import annotations

from typing import Any

from contacts_core.spec import CREATE_CONTACT
from mock_server.store import Contact, ContactStore


class ContactsApi:
    """Handlers bound to one store, so that several apps never share state by accident."""

    def __init__(self, store: ContactStore) -> None:
        self.store = store

    async def create_contact(self, body: dict[str, Any]) -> tuple[Contact, int]:
        return await self.store.create(body), 201

    def operations(self) -> dict[str, Any]:
        """operationId -> handler, for Connexion's resolver."""
        return {CREATE_CONTACT: self.create_contact}
