"""The embedded mock: contacts-mock served on a free loopback port from a background thread."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

from mock_server.app import create_app
from mock_server.settings import Settings

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class EmbeddedMock:
    """`with EmbeddedMock() as mock:` serves a fresh mock at `mock.url` until the block ends."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings(host="127.0.0.1", port=0)
        self.url = ""
        self._server: object = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def key(self, role: str) -> str | None:
        """A key of the mock's tokens with this role."""
        return next((k for k, r in self.settings.tokens.items() if r == role), None)

    def start(self) -> EmbeddedMock:
        import uvicorn

        app = create_app(self.settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self._socket = sock
        config = uvicorn.Config(
            app, log_level="error", access_log=False, lifespan="on", timeout_graceful_shutdown=2
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="contacts-mock", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the embedded mock did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is not None:
            server.should_exit = True  # type: ignore[attr-defined]
        if thread is not None:
            thread.join(STOP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> EmbeddedMock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
