"""The in-process mock as tests use it: the built-in keys, both stores, and an HTTP client
that checks every contract response against the spec."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator

from contacts_core.spec import operation
from mock_server.app import MockApp

STAFF = {"Authorization": "Token staff-token"}
ADMIN = {"Authorization": "Token admin-token"}
USER = {"Authorization": "Token user-token"}
DOCUMENT_EXAMPLE = operation().request_example

STORES = ["memory", "redis"]
# Runs a test once on each store: @BOTH_STORES (the `store` fixture, indirectly).
BOTH_STORES = pytest.mark.parametrize("store", STORES, indirect=True)

MakeMock = Callable[..., MockApp]


def check_against_contract(response: httpx.Response) -> None:
    """Every response of the contract's path is documented and matches its schema."""
    op = operation()
    if not op.is_request(response.request.method, response.request.url.path):
        return
    contract = op.responses.get(response.status_code)
    assert contract is not None, f"undocumented status {response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith("application/json")
    validator = Draft4Validator(contract.schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = [e.message for e in validator.iter_errors(response.json())]
    assert errors == [], f"{response.status_code} body breaks the contract: {response.text}"
    for name in contract.headers:
        assert name in response.headers, f"{response.status_code} lacks {name}"


def client_for(app: MockApp) -> httpx.AsyncClient:
    """An HTTP client of the app in this process; every contract response is checked."""

    async def hook(response: httpx.Response) -> None:
        await response.aread()
        check_against_contract(response)

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://127.0.0.1",
        event_hooks={"response": [hook]},
    )


def unique_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def store_args(store: dict[str, Any]) -> list[str]:
    """The store of the `store` fixture as contacts-mock options."""
    if not store:
        return []
    return ["--store", store["store"], "--store-prefix", store["store_prefix"]]
