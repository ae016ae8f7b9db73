"""The mock's server, for `contacts-mock` and the embedded mock alike: served the core's
one way (contacts_core.serve), the store checked and seeded once, and on a shared store
several worker processes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.supervisors import Multiprocess

from contacts_core.logs import log_config
from contacts_core.serve import ServeError, base_url, listen, settle_startup_objects, uvicorn_config
from mock_server.app import MockApp, create_app
from mock_server.settings import Settings
from mock_server.store import MEMORY, StoreUnavailable

__all__ = ["MockServer", "ServeError", "workers_problem"]


def workers_problem(settings: Settings) -> str | None:
    """Why these settings cannot run several workers, if they cannot."""
    if settings.workers > 1 and settings.store == MEMORY:
        return (
            f"--workers {settings.workers} needs a shared store (--store redis://...): "
            "with the memory store each worker would have its own contacts and ids"
        )
    return None


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
            log_config=log_config(
                settings.log_format,
                log_level,
                "mock_server",
                [*settings.tokens, *filter(None, [settings.control_token])],
            ),
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
        return base_url(self.socket)

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
