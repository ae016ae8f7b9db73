"""The embedded mock: contacts-mock served on a free loopback port from a background thread."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from types import TracebackType

from mock_server.server import MockServer
from mock_server.settings import Settings

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class EmbeddedMock:
    """`with EmbeddedMock() as mock:` serves a fresh mock at `mock.url` until the block ends.

    It is served exactly as `contacts-mock` serves it (mock_server.server), request-head
    limits included, in one process.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = replace(settings or Settings(), host="127.0.0.1", port=0, workers=1)
        self.url = ""
        self._server: MockServer | None = None
        self._thread: threading.Thread | None = None

    def key(self, role: str) -> str | None:
        """A key of the mock's tokens with this role."""
        return next((k for k, r in self.settings.tokens.items() if r == role), None)

    def start(self) -> EmbeddedMock:
        server = MockServer(self.settings, log_level="error")
        self._server = server
        self._thread = threading.Thread(target=server.run, name="contacts-mock", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the embedded mock did not start")
            time.sleep(0.01)
        self.url = server.url
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is not None:
            server.stop()
        if thread is not None:
            thread.join(STOP_TIMEOUT)
        self._server = self._thread = None

    def __enter__(self) -> EmbeddedMock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
