"""Fixtures: an in-process mock on either store, a real Redis, and an HTTP client that
checks every contract response."""

from __future__ import annotations

import hmac
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft4Validator

from contacts_core import tokens
from contacts_core.spec import operation
from mock_server.app import MockApp, create_app
from mock_server.settings import Settings
from tests.redis_server import RedisServer, running_redis

E2E = Path(__file__).resolve().parent / "e2e"

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
    if (
        not response.request.url.path.startswith("/api/contacts")
        or response.request.method != "POST"
    ):
        return
    contract = operation().responses.get(response.status_code)
    assert contract is not None, f"undocumented status {response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith("application/json")
    validator = Draft4Validator(contract.schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = [e.message for e in validator.iter_errors(response.json())]
    assert errors == [], f"{response.status_code} body breaks the contract: {response.text}"
    for name in contract.headers:
        assert name in response.headers, f"{response.status_code} lacks {name}"


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, bytes]]:
    """Every hmac.compare_digest call the token table makes: (candidate, known key)."""
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def compare_digest(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(tokens.hmac, "compare_digest", compare_digest)
    return calls


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the session; each test keeps to its own key prefix."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


def unique_prefix() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def store(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for the store under test: memory unless a test asks for both (BOTH_STORES);
    Redis with a key prefix of the test's own."""
    if getattr(request, "param", "memory") == "memory":
        return {}
    server: RedisServer = request.getfixturevalue("redis_server")
    return {"store": server.url, "store_prefix": unique_prefix()}


def store_args(store: dict[str, Any]) -> list[str]:
    """The same store as contacts-mock options."""
    if not store:
        return []
    return ["--store", store["store"], "--store-prefix", store["store_prefix"]]


@pytest.fixture
async def make_mock(store: dict[str, Any]) -> AsyncIterator[MakeMock]:
    made: list[MockApp] = []

    def make(**overrides: Any) -> MockApp:
        mock = create_app(Settings(**(store | overrides)))
        made.append(mock)
        return mock

    yield make
    for mock in made:
        await mock.store.close()


@pytest.fixture
def mock(make_mock: MakeMock) -> MockApp:
    return make_mock()


def client_for(app: MockApp) -> httpx.AsyncClient:
    async def hook(response: httpx.Response) -> None:
        await response.aread()
        check_against_contract(response)

    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://127.0.0.1",
        event_hooks={"response": [hook]},
    )


@pytest.fixture
async def client(mock: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(mock) as c:
        yield c


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The browser tests (tests/e2e) need Chromium: they run only when named, as in
    `pytest tests/e2e` (tox -e e2e), never as part of a plain `pytest`."""
    if collection_path != E2E:
        return None
    here = config.invocation_params.dir
    named = (here / arg.split("::")[0] for arg in config.args)
    return not any(path.resolve().is_relative_to(E2E) for path in named)
