"""Many clients at once against a real contacts-mock process, on each store: nothing
lost, nothing doubled."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.load import created, load
from tests.support.mocks import BOTH_STORES, store_args
from tests.support.processes import MockProcess, running_mock
from tests.support.sockets import get_json, port_of

pytestmark = pytest.mark.process

CLIENTS = 50
SECONDS = 3.0  # how long the clients keep sending; a bound, not an assertion


@pytest.fixture
def mock_process(store: dict[str, Any]) -> Iterator[MockProcess]:
    with running_mock("--log-level", "warning", *store_args(store)) as running:
        yield running


@pytest.mark.slow
@BOTH_STORES
def test_concurrent_clients_lose_and_double_nothing(mock_process: MockProcess) -> None:
    port = port_of(mock_process)
    results = asyncio.run(load([port], CLIENTS, SECONDS))

    assert [(r.expected, r.status) for r in results if r.status != r.expected] == []
    by_id = created(results)
    assert len(by_id) > CLIENTS  # every client got through more than once

    stored = get_json(port, "/__mock__/contacts")
    assert [contact["id"] for contact in stored] == list(range(1, len(by_id) + 1))
    assert {contact["id"]: contact for contact in stored} == by_id
    assert get_json(port, "/__mock__/health")["contacts"] == len(by_id)
