"""Helpers for the proxy's tests: the proxy served in this process, the suite's fixed
examples as requests, a tap that keeps every answer a server sent, from its bytes, and
the report page read as a person reads it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httptools
import httpx
import uvicorn

from contract_tests import model, phases
from contract_tests.contract import contract
from contract_tests.engine import build_request
from contract_tests.model import Credentials, Keys
from contract_tests.proxy import ProxySettings, ValidatingProxy, create_proxy

CONTRACT = contract()
# The built-in keys of contacts-mock, and their roles, as the proxy is told them.
MOCK_TOKENS = {"staff-token": "staff", "admin-token": "admin", "user-token": "user"}
MOCK_KEYS = Keys("staff-token", "admin-token", "user-token")
START_TIMEOUT_S = 30


@dataclass
class Served:
    url: str
    proxy: ValidatingProxy

    def violations(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.url}/__proxy__/violations", timeout=10)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def checks(self) -> set[str]:
        """The checks named in GET /__proxy__/violations."""
        return {v["check"] for v in self.violations()["violations"]}

    def report(self) -> ReportPage:
        answer = httpx.get(f"{self.url}/__proxy__/report", timeout=10)
        assert answer.status_code == 200, answer.text
        return report_page(answer.text)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """An ASGI app served by uvicorn on a free loopback port, from a thread, as the
    proxy's command line serves it (no Date or Server header of its own)."""
    sock = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        log_config=None,  # pytest keeps the logging
        access_log=False,
        lifespan="on",
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def proxy_in_front_of(upstream: str, **settings: Any) -> Iterator[Served]:
    """A proxy in front of `upstream`, told the mock's keys unless `tokens` says otherwise."""
    settings.setdefault("tokens", MOCK_TOKENS)
    proxy = create_proxy(ProxySettings(upstream=upstream, **settings))
    with serving(proxy) as url:
        yield Served(url, proxy)


def fixed_probes(keys: Keys = MOCK_KEYS) -> list[model.Probe]:
    """The suite's fixed examples with these keys: every rule of the spec, the auth matrix."""
    return phases.fixed_probes(phases.Plan(CONTRACT, Credentials(keys)))


def send(client: httpx.Client, base_url: str, probe: model.Probe) -> httpx.Response:
    """One probe as the suite sends it."""
    request, _ = build_request(probe, base_url, CONTRACT)
    return client.request(
        request.method, request.url, content=request.body, headers=list(request.headers)
    )


def violation_names(response: httpx.Response) -> set[str]:
    """The checks an answer's X-Contract-Violations header names."""
    value = response.headers.get("x-contract-violations", "")
    return {name.strip() for name in value.split(",") if name.strip()}


# --- the tap ------------------------------------------------------------------------------


@dataclass
class Wire:
    """One message as it went over the wire: its status (0 for a request), its headers in
    order, its body's bytes."""

    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


class _Parser:
    """httptools callbacks: whole messages, in the order they end."""

    def __init__(self, done: list[Wire], responses: bool) -> None:
        self.done = done
        self.current = Wire()
        kind = httptools.HttpResponseParser if responses else httptools.HttpRequestParser
        self.parser = kind(self)
        self.responses = responses

    def on_message_begin(self) -> None:
        self.current = Wire()

    def on_header(self, name: bytes, value: bytes) -> None:
        self.current.headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self.responses:
            self.current.status = self.parser.get_status_code()

    def on_body(self, body: bytes) -> None:
        self.current.body += body

    def on_message_complete(self) -> None:
        self.done.append(self.current)


class Tap:
    """A TCP relay on a free loopback port in front of `target` that passes every byte on
    unchanged, and keeps each request it was sent and each response the target sent,
    parsed from the bytes. Runs its own event loop in a thread."""

    def __init__(self, target: str) -> None:
        self.target = httpx.URL(target)
        self.requests: list[Wire] = []
        self.responses: list[Wire] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def __enter__(self) -> Tap:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._relay, "127.0.0.1", 0), self._loop
        )
        self._server = started.result(10)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        # Everything is closed in the loop's own thread (asyncio is not thread-safe: a
        # connection ending there would race a close from here), the relays still open
        # are cancelled and wait out, and only then does the loop stop.
        asyncio.run_coroutine_threadsafe(self._shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _shut(self) -> None:
        if self._server is not None:
            self._server.close()
        relays = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in relays:
            task.cancel()
        await asyncio.gather(*relays, return_exceptions=True)

    async def _relay(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        host, port = self.target.host, self.target.port
        server_in, server_out = await asyncio.open_connection(host, port)
        up = asyncio.ensure_future(
            self._pipe(client_in, server_out, _Parser(self.requests, responses=False))
        )
        await self._pipe(server_in, client_out, _Parser(self.responses, responses=True))
        up.cancel()

    @staticmethod
    async def _pipe(
        source: asyncio.StreamReader, sink: asyncio.StreamWriter, parser: _Parser
    ) -> None:
        try:
            while data := await source.read(65536):
                parser.parser.feed_data(data)
                sink.write(data)
                await sink.drain()
        except ConnectionError:
            pass
        finally:
            sink.close()


# --- the report page, as a person reads it -------------------------------------------------


@dataclass
class ReportPage:
    """What GET /__proxy__/report shows: its verdict line, and each row of its checks
    and warnings tables as (result, note)."""

    summary: str
    checks: dict[str, tuple[str, str]]
    warnings: dict[str, tuple[str, str]]
    facts: list[str]
    commands: list[str]
    """The reproductions shown (curl commands), in order."""


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.heading = ""
        self.tables: dict[str, list[list[str]]] = {}
        self.summary = ""
        self.facts: list[str] = []
        self.blocks: list[str] = []
        self._in: list[str] = []
        self._cells: list[str] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        if tag in ("h2", "td", "strong", "li", "pre"):
            self._text = ""
        if tag == "tr":
            self._cells = []

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "h2":
            self.heading = self._text.strip()
        elif tag == "strong" and not self.summary:
            self.summary = self._text.strip()
        elif tag == "li":
            self.facts.append(self._text.strip())
        elif tag == "pre":
            self.blocks.append(self._text)
        elif tag == "td" and self._cells is not None:
            self._cells.append(self._text.strip())
        elif tag == "tr" and self._cells:
            self.tables.setdefault(self.heading, []).append(self._cells)
            self._cells = None

    def handle_data(self, data: str) -> None:
        self._text += data


def report_page(html: str) -> ReportPage:
    tables = _Tables()
    tables.feed(html)

    def rows(heading: str) -> dict[str, tuple[str, str]]:
        return {cells[0]: (cells[2], cells[3]) for cells in tables.tables.get(heading, [])}

    commands = [block for block in tables.blocks if block.startswith("curl ")]
    return ReportPage(tables.summary, rows("Checks"), rows("Warnings"), tables.facts, commands)
