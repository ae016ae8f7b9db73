"""A page that sends the tracing headers real frontends add (X-Request-Id, traceparent,
sentry-trace, baggage) creates a contact on the mock from another origin in Chromium:
the browser's preflight asks for them and the mock allows them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from contacts_core.spec import operation
from tests.e2e.conftest import MockApi, NetworkLog

pytestmark = pytest.mark.process

CONTRACT = operation()
TRACING = {
    "X-Request-Id": "5b1d3c1e-2f8a-4d7e-9c0b-1a2b3c4d5e6f",
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "sentry-trace": "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
    "baggage": "sentry-environment=dev,sentry-release=1.0",
}

# The page's own fetch, as a frontend's HTTP client sends it.
SEND = """async ([url, headers, body]) => {
    const response = await fetch(url, {method: "POST", headers, body: JSON.stringify(body)});
    return {status: response.status, body: await response.json()};
}"""


def test_a_page_sending_tracing_headers_creates_a_contact(
    page: Page, page_origin: str, mock_api: MockApi, network: NetworkLog
) -> None:
    page.goto(page_origin)
    endpoint = mock_api.url + CONTRACT.path
    headers = {
        "Authorization": "Token staff-token",
        "Content-Type": "application/json",
        **TRACING,
    }
    answer: dict[str, Any] = page.evaluate(SEND, [endpoint, headers, CONTRACT.request_example])

    assert answer["status"] == 201, answer
    assert [c["subject"] for c in mock_api.contacts()] == [CONTRACT.request_example["subject"]]
    (preflight,) = network.find("OPTIONS", endpoint)
    assert preflight.status == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for name in TRACING:
        assert name.lower() in allowed
    network.created_across_origins(endpoint, page_origin)
