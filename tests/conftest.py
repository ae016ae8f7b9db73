"""Fixtures shared by every layer: an in-process mock on either store, a real Redis, and
an HTTP client that checks every contract response; the markers each layer carries."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contacts_core import tokens
from mock_server.app import MockApp, create_app
from mock_server.settings import Settings
from tests.support.mocks import MakeMock, client_for, unique_prefix
from tests.support.redis_server import RedisServer, running_redis

TESTS = Path(__file__).resolve().parent
E2E = TESTS / "e2e"
# Every test in these folders needs what the marker names.
LAYER_MARKERS = {"redis": "redis", "e2e": "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        layer = Path(item.path).relative_to(TESTS).parts[0]
        if layer in LAYER_MARKERS:
            item.add_marker(LAYER_MARKERS[layer])
        if "redis_server" in getattr(item, "fixturenames", ()):
            item.add_marker("redis")


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


@pytest.fixture
def store(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for the store under test: memory unless a test asks for both (BOTH_STORES);
    Redis with a key prefix of the test's own."""
    if getattr(request, "param", "memory") == "memory":
        return {}
    server: RedisServer = request.getfixturevalue("redis_server")
    return {"store": server.url, "store_prefix": unique_prefix()}


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
def mock_app(make_mock: MakeMock) -> MockApp:
    """A mock app in this process, on the store under test."""
    return make_mock()


@pytest.fixture
async def client(mock_app: MockApp) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(mock_app) as c:
        yield c


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The browser tests (tests/e2e) need Chromium: they run only when named, as in
    `pytest tests/e2e` (tox -e e2e), never as part of a plain `pytest`."""
    if collection_path != E2E:
        return None
    here = config.invocation_params.dir
    named = (here / arg.split("::")[0] for arg in config.args)
    return not any(path.resolve().is_relative_to(E2E) for path in named)
