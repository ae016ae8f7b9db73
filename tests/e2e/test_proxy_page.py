"""examples/contact-form pointed at `contacts-contract proxy`, in front of a real mock
process, from another origin, in Chromium: the frontend works through the proxy as it
does against the backend, CORS preflight included, and a broken answer is noticed."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from contacts_core.spec import operation
from tests.e2e.conftest import START_TIMEOUT_S, MockApi, NetworkLog
from tests.support.processes import running_mock, running_proxy

pytestmark = pytest.mark.process

CONTRACT = operation()
TOKENS = ["--token", "staff-token=staff", "--token", "user-token=user"]


def test_creates_a_contact_through_the_proxy(
    page: Page, page_origin: str, mock_api: MockApi, network: NetworkLog
) -> None:
    with running_proxy("--upstream", mock_api.url, *TOKENS, timeout=START_TIMEOUT_S) as proxy:
        page.goto(f"{page_origin}/?api={proxy.base_url}")
        for name, value in CONTRACT.request_example.items():
            page.locator(f"#{name}").fill(value)
        page.get_by_role("button", name="Create contact").click()

        expect(page.locator("#status")).to_have_attribute("data-state", "created")
        violations = httpx.get(f"{proxy.base_url}/__proxy__/violations", timeout=5).json()

    (stored,) = mock_api.contacts()
    for name, value in CONTRACT.request_example.items():
        assert stored[name] == value
    expect(page.locator("#result dd[data-field=id]")).to_have_text(str(stored["id"]))

    post = network.created_across_origins(proxy.base_url + CONTRACT.path, page_origin)
    assert "x-contract-violations" not in post.headers
    # The preflight was the proxy's to answer; the POST was judged, and kept the contract.
    assert violations["exchanges"] == 1
    assert violations["violations"] == []


def test_a_strict_proxy_shows_a_broken_answer_as_a_server_error(
    page: Page, page_origin: str, network: NetworkLog
) -> None:
    with (
        running_mock("--fault", "viewed-true", "--log-level", "warning") as mock,
        running_proxy(
            "--upstream", mock.base_url, "--strict", *TOKENS, timeout=START_TIMEOUT_S
        ) as proxy,
    ):
        page.goto(f"{page_origin}/?api={proxy.base_url}")
        page.get_by_label("Subject").fill("Hello")
        page.get_by_role("button", name="Create contact").click()

        status = page.locator("#status")
        expect(status).to_have_attribute("data-state", "server-error")
        expect(status).to_contain_text("HTTP 502")
        (post,) = network.find("POST", proxy.base_url + CONTRACT.path)
        assert post.status == 502
        assert post.headers["x-contract-violations"] == "server_set_values"
        log = "".join(proxy.stderr)
    (line,) = [line for line in log.splitlines() if "contract violation: " in line]
    assert "contract violation: server_set_values: " in line
    assert "viewed" in line
    assert line.endswith("[POST /api/contacts/ -> 201, a staff key]")
