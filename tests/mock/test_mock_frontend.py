"""What frontends need beyond the contract: Prefer, CORS, Swagger UI, latency, seed data."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from contacts_core.spec import operation
from mock_server.app import MockApp
from mock_server.seed import SeedError
from tests.support.mocks import BOTH_STORES, DOCUMENT_EXAMPLE, STAFF, MakeMock, client_for

URL = "/api/contacts/"


@pytest.mark.parametrize("status", sorted(operation().responses))
async def test_prefer_code_returns_documented_example(
    client: httpx.AsyncClient, status: int
) -> None:
    response = await client.post(
        URL, json=DOCUMENT_EXAMPLE, headers={**STAFF, "Prefer": f"code={status}"}
    )
    assert response.status_code == status
    assert response.json() == operation().responses[status].example


@BOTH_STORES
async def test_prefer_code_does_not_store(client: httpx.AsyncClient, mock_app: MockApp) -> None:
    await client.post(URL, json=DOCUMENT_EXAMPLE, headers={**STAFF, "Prefer": "code=201"})
    assert await mock_app.store.count() == 0


async def test_prefer_undocumented_code_is_400_listing_codes(client: httpx.AsyncClient) -> None:
    response = await client.post(
        URL, json=DOCUMENT_EXAMPLE, headers={**STAFF, "Prefer": "code=418"}
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "418" in detail
    for status in operation().responses:
        assert str(status) in detail


@pytest.mark.parametrize(
    ("status", "name"),
    [(status, name) for status, r in operation().responses.items() for name in r.examples],
)
async def test_prefer_named_example(client: httpx.AsyncClient, status: int, name: str) -> None:
    headers = {**STAFF, "Prefer": f"code={status}, example={name}"}
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers=headers)
    assert response.status_code == status
    assert response.json() == operation().responses[status].examples[name]


async def test_prefer_401_carries_www_authenticate(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers={"Prefer": "code=401"})
    assert response.headers["www-authenticate"] == "Token"


async def test_prefer_unknown_example_is_400_listing_names(client: httpx.AsyncClient) -> None:
    headers = {**STAFF, "Prefer": "code=400, example=nope"}
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers=headers)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "example=nope" in detail
    assert all(name in detail for name in operation().responses[400].examples)


async def test_prefer_without_code_is_ignored(client: httpx.AsyncClient) -> None:
    response = await client.post(
        URL, json=DOCUMENT_EXAMPLE, headers={**STAFF, "Prefer": "return=minimal"}
    )
    assert response.status_code == 201


async def test_cors_preflight_allows_authorization_and_content_type(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options(
        URL,
        headers={
            "Origin": "http://127.0.0.1:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] in ("*", "http://127.0.0.1:5173")
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    assert "POST" in response.headers["access-control-allow-methods"]


async def test_cors_headers_on_errors_too(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={}, headers={"Origin": "http://127.0.0.1:5173"})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "*"
    assert "www-authenticate" in response.headers["access-control-expose-headers"].lower()


async def test_cors_configured_origin_only(make_mock: MakeMock) -> None:
    mock: MockApp = make_mock(cors_origins=("http://app.test",))
    async with client_for(mock) as client:
        allowed = await client.post(
            URL, json={"subject": "x"}, headers={**STAFF, "Origin": "http://app.test"}
        )
        other = await client.post(
            URL, json={"subject": "x"}, headers={**STAFF, "Origin": "http://evil.test"}
        )
    assert allowed.headers["access-control-allow-origin"] == "http://app.test"
    assert "access-control-allow-origin" not in other.headers


async def test_swagger_ui_and_spec_are_served(client: httpx.AsyncClient) -> None:
    ui = await client.get("/api/ui/")
    assert ui.status_code == 200
    assert "swagger-ui" in ui.text.lower()
    spec = (await client.get("/api/openapi.json")).json()
    assert "/api/contacts/" in spec["paths"]
    assert "TokenAuth" in spec["components"]["securitySchemes"]


async def test_latency_and_jitter_delay_api_responses_only(
    make_mock: MakeMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr("mock_server.middleware.asyncio.sleep", record)
    mock: MockApp = make_mock(latency_ms=150, jitter_ms=50)
    async with client_for(mock) as client:
        for _ in range(20):
            await client.post(URL, json={"subject": "x"}, headers=STAFF)
        await client.post("/api/contacts", json={}, headers=STAFF)
        await client.get("/__mock__/health")
        await client.get("/api/ui/")
    assert len(delays) == 21
    assert all(0.15 <= d <= 0.2 for d in delays)
    assert len(set(delays)) > 1


async def test_no_latency_by_default(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    called = False

    async def record(_seconds: float) -> None:
        nonlocal called
        called = True

    monkeypatch.setattr("mock_server.middleware.asyncio.sleep", record)
    await client.post(URL, json={"subject": "x"}, headers=STAFF)
    assert not called


def _seed(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(data))
    return path


SEED_CONTACT = {
    "id": 7,
    "subject": "Seeded",
    "message": "",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "mobile_number": "",
    "viewed": True,
    "viewed_at": "2026-01-02T03:04:05Z",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-02T03:04:05Z",
}


@BOTH_STORES
async def test_seed_file_is_preloaded_and_ids_continue(make_mock: MakeMock, tmp_path: Path) -> None:
    mock: MockApp = make_mock(seed_file=_seed(tmp_path, [SEED_CONTACT]))
    assert await mock.prepare() == f"1 contacts loaded from {tmp_path / 'seed.json'}"
    async with client_for(mock) as client:
        assert (await client.get("/__mock__/contacts")).json() == [SEED_CONTACT]
        created = (await client.post(URL, json={"subject": "new"}, headers=STAFF)).json()
    assert created["id"] == 8


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"not": "a list"}, "must hold a JSON list"),
        ([{**SEED_CONTACT, "id": "7"}], "item 0: id:"),
        (
            [{k: v for k, v in SEED_CONTACT.items() if k != "subject"}],
            "'subject' is a required property",
        ),
        ([SEED_CONTACT, SEED_CONTACT], "id 7 is repeated"),
        ([{**SEED_CONTACT, "nickname": "x"}], "item 0: unknown field.s. nickname"),
    ],
)
def test_invalid_seed_files_are_refused_clearly(
    make_mock: MakeMock, tmp_path: Path, data: object, message: str
) -> None:
    with pytest.raises(SeedError, match=message.replace("'", ".").replace("(", ".")):
        make_mock(seed_file=_seed(tmp_path, data))


def test_unreadable_seed_file_is_refused(make_mock: MakeMock, tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot read seed file"):
        make_mock(seed_file=tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(SeedError, match="not valid JSON"):
        make_mock(seed_file=bad)
