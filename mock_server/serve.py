"""The one way to serve the mock, for `contacts-mock` and the contract suite's embedded
mock alike: a listening socket, the store checked and seeded once, uvicorn with the
bounded request head (431, 408) and, on a shared store, several worker processes."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import ipaddress
import socket
from dataclasses import replace
from typing import Any

import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.supervisors import Multiprocess

from mock_server.app import MockApp, create_app
from mock_server.logs import log_config
from mock_server.settings import MAX_HEAD_BYTES, Settings
from mock_server.store import MEMORY, StoreUnavailable


class ServeError(Exception):
    """The mock cannot start; the message says why, in one line."""


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (0 picks a free port), inheritable by workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def workers_problem(settings: Settings) -> str | None:
    """Why these settings cannot run several workers, if they cannot."""
    if settings.workers > 1 and settings.store == MEMORY:
        return (
            f"--workers {settings.workers} needs a shared store (--store redis://...): "
            "with the memory store each worker would have its own contacts and ids"
        )
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def settle_startup_objects() -> None:
    """Hide what start-up built (modules, the spec, the app: it lives as long as the
    process) from the garbage collector. Its full passes otherwise walk all of it and
    stall every request for tens of milliseconds; now they walk what requests leave."""
    gc.collect()
    gc.freeze()


class WorkerApp:
    """The mock as a worker process builds it: from settings (which pickle), at start-up.
    The seed file is left to the parent, which loads it once for every worker."""

    def __init__(self, settings: Settings, own_process: bool) -> None:
        self.settings = replace(settings, tokens=dict(settings.tokens), seed_file=None)
        self.own_process = own_process
        self._mock: MockApp | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self.settings, "own_process": self.own_process, "_mock": None}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._mock is None:
            self._mock = create_app(self.settings)
            if self.own_process:
                settle_startup_objects()
        await self._mock(scope, receive, send)


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def uvicorn_config(
    app: Any,
    *,
    log_config: dict[str, Any],
    log_level: str,
    head_timeout: float,
    workers: int = 1,
    **options: Any,
) -> uvicorn.Config:
    """uvicorn's configuration for one of the toolkit's servers (the mock, the proxy):
    uvloop, a request head bounded in size (431) and time (408), and graceful shutdown."""
    common: dict[str, Any] = {
        "log_config": log_config,
        "log_level": log_level,
        # Access lines are logged at info: below that level, skip building them at all.
        "access_log": log_level in ("debug", "info"),
        "loop": "uvloop" if _installed("uvloop") else "asyncio",
        "lifespan": "on",
        "timeout_graceful_shutdown": 5,
        "workers": workers,
        **options,
    }
    if not _installed("httptools"):
        # uvicorn's h11 bounds the head's size itself (no head timeout).
        return uvicorn.Config(
            app, http="h11", h11_max_incomplete_event_size=MAX_HEAD_BYTES, **common
        )
    from mock_server.protocol import HeadLimitsConfig

    config: uvicorn.Config = HeadLimitsConfig(app, head_timeout=head_timeout, **common)
    return config


class MockServer:
    """Serves the mock its settings describe until stopped.

    Binds the socket and prepares the store (reachable? seed file loaded once?) when
    built, so that `contacts-mock` can print its banner, or one clear error line, before
    serving. `run()` blocks: one server in this process, or with `settings.workers > 1`
    uvicorn's worker processes sharing the socket. `stop()` ends a one-process server
    from another thread (the embedded mock). `own_process`: serving the mock is the
    process's only job (contacts-mock), so the garbage collector may be tuned for it.
    """

    def __init__(
        self, settings: Settings, log_level: str = "info", own_process: bool = False
    ) -> None:
        problem = workers_problem(settings)
        if problem:
            raise ServeError(problem)
        self.settings = settings
        self.mock = create_app(settings)
        self.socket = listen(settings.host, settings.port)
        try:
            self.seed_report = asyncio.run(self._prepare())
        except StoreUnavailable as error:
            self.socket.close()
            raise ServeError(f"cannot use the store: {error}") from None
        # A memory store lives in this process: serve the app that holds it. Any other
        # store is served by apps built where they run, on their own event loop.
        app = self.mock if settings.store == MEMORY else WorkerApp(settings, own_process)
        self.own_process = own_process
        self.config = uvicorn_config(
            app,
            log_config=log_config(settings.log_format, log_level),
            log_level=log_level,
            head_timeout=settings.head_timeout_s,
            workers=settings.workers,
        )
        self._server = uvicorn.Server(self.config)
        self._stopping = False

    async def _prepare(self) -> str | None:
        try:
            return await self.mock.prepare()
        finally:
            await self.mock.store.close()

    @property
    def url(self) -> str:
        host, port = self.socket.getsockname()[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    @property
    def started(self) -> bool:
        return bool(self._server.started)

    def run(self) -> None:
        try:
            if self.settings.workers > 1:
                Multiprocess(self.config, sockets=[self.socket]).run()
            else:
                if self.own_process and self.settings.store == MEMORY:
                    settle_startup_objects()
                self._server.run(sockets=[self.socket])
                if not self._server.started and not self._stopping:
                    raise ServeError("the server did not start (see the log above)")
        finally:
            self.socket.close()

    def stop(self) -> None:
        self._stopping = True
        self._server.should_exit = True
