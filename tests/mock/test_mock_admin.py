"""The mock-only admin API under /__mock__."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest
import yaml
from openapi_spec_validator import validate

from mock_server.app import MockApp
from tests.support.mocks import BOTH_STORES, STAFF, MakeMock, client_for

# Everything here reads or changes the store: each test runs on both.
pytestmark = BOTH_STORES

URL = "/api/contacts/"


async def test_list_returns_stored_contacts_oldest_first(client: httpx.AsyncClient) -> None:
    created = [(await client.post(URL, json={"subject": s}, headers=STAFF)).json() for s in "abc"]
    listed = (await client.get("/__mock__/contacts")).json()
    assert listed == created


async def test_reset_empties_store_and_restarts_ids(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        await client.post(URL, json={"subject": "x"}, headers=STAFF)
    assert (await client.delete("/__mock__/contacts")).status_code == 204
    assert (await client.get("/__mock__/contacts")).json() == []
    assert (await client.post(URL, json={"subject": "y"}, headers=STAFF)).json()["id"] == 1


async def test_view_marks_contact_viewed(client: httpx.AsyncClient) -> None:
    created = (await client.post(URL, json={"subject": "x"}, headers=STAFF)).json()
    response = await client.post(f"/__mock__/contacts/{created['id']}/view")
    assert response.status_code == 200
    viewed = response.json()
    assert viewed["viewed"] is True
    assert viewed["viewed_at"] == viewed["updated_at"]
    assert datetime.fromisoformat(viewed["viewed_at"]) >= datetime.fromisoformat(
        created["created_at"]
    )
    assert viewed["created_at"] == created["created_at"]
    assert (await client.get("/__mock__/contacts")).json() == [viewed]


async def test_view_unknown_contact_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/__mock__/contacts/99/view")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


async def test_journal_records_requests_without_tokens(make_mock: MakeMock) -> None:
    mock: MockApp = make_mock(journal_size=3)
    async with client_for(mock) as client:
        await client.post(URL, json={"subject": "x"}, headers=STAFF)
        await client.post(
            URL, json={"subject": "x"}, headers={"Authorization": "Token secret-wrong"}
        )
        await client.get("/api/contacts/")
        await client.post("/api/contacts", json={}, headers=STAFF)
        await client.get("/__mock__/health")
        journal = (await client.get("/__mock__/requests")).json()
    assert [(e["method"], e["path"], e["status"]) for e in journal] == [
        ("POST", "/api/contacts/", 401),
        ("GET", "/api/contacts/", 405),
        ("POST", "/api/contacts", 400),
    ]
    for entry in journal:
        datetime.fromisoformat(entry["time"])
        assert entry["duration_ms"] >= 0
    text = str(journal)
    assert "staff-token" not in text
    assert "secret-wrong" not in text


async def test_health(client: httpx.AsyncClient) -> None:
    await client.post(URL, json={"subject": "x"}, headers=STAFF)
    response = await client.get("/__mock__/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "contacts": 1}


async def test_admin_spec_is_valid_and_lists_the_routes(client: httpx.AsyncClient) -> None:
    response = await client.get("/__mock__/openapi.yaml")
    assert response.status_code == 200
    admin_spec = yaml.safe_load(response.text)
    validate(admin_spec)
    assert set(admin_spec["paths"]) == {
        "/contacts", "/contacts/{id}/view", "/requests", "/health", "/live", "/ready"
    }  # fmt: skip


async def test_unknown_admin_route_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/__mock__/nothing")).status_code == 404


async def test_max_contacts_drops_the_oldest(make_mock: MakeMock) -> None:
    mock: MockApp = make_mock(max_contacts=3)
    async with client_for(mock) as client:
        for i in range(5):
            await client.post(URL, json={"subject": f"s{i}"}, headers=STAFF)
        listed = (await client.get("/__mock__/contacts")).json()
    assert [c["id"] for c in listed] == [3, 4, 5]
    assert [c["subject"] for c in listed] == ["s2", "s3", "s4"]


async def test_deleting_the_requests_clears_the_journal_and_keeps_the_contacts(
    client: httpx.AsyncClient,
) -> None:
    await client.post(URL, json={"subject": "x"}, headers=STAFF)
    assert (await client.get("/__mock__/requests")).json() != []
    assert (await client.delete("/__mock__/requests")).status_code == 204
    assert (await client.get("/__mock__/requests")).json() == []
    assert len((await client.get("/__mock__/contacts")).json()) == 1


async def test_resetting_the_contacts_keeps_the_journal(client: httpx.AsyncClient) -> None:
    await client.post(URL, json={"subject": "x"}, headers=STAFF)
    await client.delete("/__mock__/contacts")
    assert len((await client.get("/__mock__/requests")).json()) == 1


async def test_journal_times_have_milliseconds_and_an_offset(client: httpx.AsyncClient) -> None:
    await client.post(URL, json={"subject": "x"}, headers=STAFF)
    (entry,) = (await client.get("/__mock__/requests")).json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"]), entry
    assert datetime.fromisoformat(entry["time"]).utcoffset() is not None


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/__mock__/contacts/abc/view", 404),
        ("GET", "/__mock__/contacts/1/view", 405),
        ("GET", "/__mock__/nothing", 404),
        ("PUT", "/__mock__/requests", 405),
    ],
)
async def test_every_admin_answer_is_json_even_for_unknown_routes(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    assert "detail" in response.json()


async def test_a_405_allows_every_method_the_admin_spec_declares_for_its_path(
    client: httpx.AsyncClient,
) -> None:
    admin_spec = yaml.safe_load((await client.get("/__mock__/openapi.yaml")).text)
    for path, item in admin_spec["paths"].items():
        declared = {method.upper() for method in item if method != "parameters"}
        concrete = path.replace("{id}", "1")
        response = await client.request("PATCH", f"/__mock__{concrete}")
        assert response.status_code == 405, path
        allowed = {m.strip() for m in response.headers["allow"].split(",")} - {"HEAD"}
        assert allowed == declared, path
