"""The mock routes a method and path from memory exactly as Connexion's router did."""

from __future__ import annotations

from typing import Any

import httpx

from mock_server.app import MockApp
from mock_server.routing import MAX_REMEMBERED, RememberedRouting
from mock_server.swagger import SwaggerUI
from tests.support.mocks import STAFF

URL = "/api/contacts/"


def _layer(mock_app: MockApp, kind: type[Any]) -> Any:
    """The instance of one middleware in Connexion's stack (built on the first request)."""
    app: Any = mock_app.connexion.middleware.app
    while not isinstance(app, kind):
        app = app.app
    return app


async def test_routed_operations_are_remembered(
    client: httpx.AsyncClient, mock_app: MockApp
) -> None:
    first = await client.post(URL, json={"subject": "one"}, headers=STAFF)
    routing = _layer(mock_app, RememberedRouting)
    assert list(routing.known) == [("POST", URL, "")]
    assert routing.known["POST", URL, ""].routing["operation_id"] == "createContact"
    second = await client.post(URL, json={"subject": "two"}, headers=STAFF)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["id"] == first.json()["id"] + 1
    refused = await client.post(URL, json={"subject": ""}, headers=STAFF)
    assert refused.json() == {"subject": ["This field may not be blank."]}


async def test_what_no_operation_serves_is_not_remembered(
    client: httpx.AsyncClient, mock_app: MockApp
) -> None:
    for _ in range(2):
        assert (await client.get(URL)).status_code == 405
        assert (await client.post("/api/nothing")).status_code == 404
        assert (await client.get("/api/openapi.json")).status_code == 200
    assert _layer(mock_app, RememberedRouting).known == {}


async def test_memory_is_bounded(mock_app: MockApp) -> None:
    transport = httpx.ASGITransport(app=mock_app)
    for number in range(MAX_REMEMBERED + 20):
        root = f"/proxy{number}"
        transport.root_path = root
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            response = await client.post(root + URL, json={"subject": root}, headers=STAFF)
            assert response.status_code == 201
    assert len(_layer(mock_app, RememberedRouting).known) == MAX_REMEMBERED
    assert await mock_app.store.count() == MAX_REMEMBERED + 20


async def test_swagger_ui_middleware_knows_its_own_paths(
    client: httpx.AsyncClient, mock_app: MockApp
) -> None:
    assert (await client.get("/api/ui/")).status_code == 200
    prefixes = _layer(mock_app, SwaggerUI)._prefixes
    assert "/api/openapi.json" in prefixes
    assert "/api/ui/" in prefixes
    assert not any(URL.startswith(prefix) for prefix in prefixes)
