"""Browser fixtures: a real contacts-mock process, the example page served from another
port, and Debian's Chromium driven by Playwright. Run with `tox -e e2e`."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    BrowserContext,
    CDPSession,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.support.processes import MockProcess, running_mock

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DIR = ROOT / "examples" / "contact-form"
ARTIFACTS = ROOT / "artifacts" / "e2e"

# Debian's chromium, never a downloaded browser. tests/e2e/ensure-chromium.sh installs it.
CHROMIUM = os.environ.get("CONTACTS_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # root in a container has no usable sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: the tests stay on loopback
    "--disable-component-update",
    "--disable-sync",
]

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
BROWSER_TIMEOUT_MS = 15_000
# The longest a test waits for the browser to report an exchange it has made.
LOG_WAIT_S = 5.0
expect.set_options(timeout=BROWSER_TIMEOUT_MS)


@dataclass
class MockApi:
    """A running `contacts-mock --port 0` process, seen through its admin API."""

    url: str
    process: MockProcess

    def contacts(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/__mock__/contacts", timeout=5)
        response.raise_for_status()
        contacts: list[dict[str, Any]] = response.json()
        return contacts

    def reset(self) -> None:
        httpx.delete(f"{self.url}/__mock__/contacts", timeout=5).raise_for_status()


@pytest.fixture(scope="session")
def mock_process() -> Iterator[MockApi]:
    with running_mock("--log-level", "warning", timeout=START_TIMEOUT_S) as process:
        yield MockApi(process.base_url, process)


@pytest.fixture
def mock_api(mock_process: MockApi) -> MockApi:
    """The running mock, with an empty store for this test."""
    process = mock_process.process
    assert process.process.poll() is None, "".join(process.stdout + process.stderr)
    mock_process.reset()
    return mock_process


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def page_origin() -> Iterator[str]:
    """examples/contact-form served on its own loopback port: another origin than the mock."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_QuietHandler, directory=str(EXAMPLE_DIR))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=STOP_TIMEOUT_S)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: run tests/e2e/ensure-chromium.sh as root")
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser_context(playwright: Playwright, tmp_path: Path) -> Iterator[BrowserContext]:
    # A fresh, empty profile per test: no saved authorization or cache leaks between tests.
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile",
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 1100, "height": 900},
    )
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(browser_context: BrowserContext) -> Page:
    return browser_context.pages[0] if browser_context.pages else browser_context.new_page()


@dataclass
class Exchange:
    method: str
    url: str
    kind: str = ""
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


class NetworkLog:
    """Every request the page makes, CORS preflights included, from the DevTools protocol.

    Playwright's own request events leave preflights out; Chromium reports them here.
    """

    def __init__(self, cdp: CDPSession, page: Page) -> None:
        self.page = page
        self.by_id: dict[str, Exchange] = {}
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.responseReceived", self._response)
        cdp.send("Network.enable")

    def _request(self, event: dict[str, Any]) -> None:
        request = event["request"]
        self.by_id[event["requestId"]] = Exchange(request["method"], request["url"])

    def _response(self, event: dict[str, Any]) -> None:
        exchange = self.by_id.setdefault(event["requestId"], Exchange("", event["response"]["url"]))
        exchange.kind = event.get("type", "")
        exchange.status = event["response"]["status"]
        exchange.headers = {k.lower(): v for k, v in event["response"]["headers"].items()}

    def find(self, method: str, url: str) -> list[Exchange]:
        """The exchanges of this method and URL, once one has its answer logged. The
        protocol's events reach this process only while Playwright runs its loop: a page
        that already has its answer may not have reported it yet, so wait a little for it."""
        deadline = time.monotonic() + LOG_WAIT_S
        while True:
            found = [e for e in self.by_id.values() if e.method == method and e.url == url]
            if any(e.status for e in found) or time.monotonic() > deadline:
                return found
            self.page.wait_for_timeout(50)

    def created_across_origins(self, endpoint: str, page_origin: str) -> Exchange:
        """Assert that the page's POST to `endpoint` was preflighted, allowed for the page's
        origin with its Authorization and Content-Type headers, and got 201; the POST."""
        (preflight,) = self.find("OPTIONS", endpoint)
        assert preflight.status == 200
        assert preflight.headers["access-control-allow-origin"] in ("*", page_origin)
        allowed = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed
        assert "content-type" in allowed
        (post,) = self.find("POST", endpoint)
        assert post.status == 201
        assert post.headers["access-control-allow-origin"] in ("*", page_origin)
        return post


@pytest.fixture
def network(browser_context: BrowserContext, page: Page) -> NetworkLog:
    return NetworkLog(browser_context.new_cdp_session(page), page)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    # The page is still open while the call's report is made: photograph it on failure.
    page = getattr(item, "funcargs", {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / (re.sub(r"[^\w.-]+", "_", item.name) + ".png")
        try:
            page.screenshot(path=str(path), full_page=True, timeout=BROWSER_TIMEOUT_MS)
            report.sections.append(("screenshot", str(path)))
        except Exception as error:  # a crashed page must not hide the test's own failure
            report.sections.append(("screenshot", f"not saved: {error}"))
    return report
