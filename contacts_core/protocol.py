"""uvicorn's httptools protocol with bounds on a request's head: its size and its time.

h11 refuses request heads over 16 KiB, but httptools accepts heads of any size and
gathers each header in memory until it ends, so one client could make the mock hold
megabytes per connection. Here a request line and headers over the config's
`max_head_bytes` (contacts_core.serve.MAX_HEAD_BYTES) get 431,
and a head that has not arrived `head_timeout` seconds after the connection opened or
the request began (a slowloris client) gets 408; either way the connection is closed.
Requires httptools (uvicorn's "standard" extra).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from contacts_core.asgi import encode_json

_TOO_LARGE = (431, {"detail": "Request header fields too large."})
_TOO_SLOW = (408, {"detail": "The request head did not arrive in time."})


class HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that answers 431 to a request head over the config's
    `max_head_bytes`, and 408 to one that takes longer than its `head_timeout` seconds
    (HeadLimitsConfig)."""

    _head_bytes = 0  # of the current request's URL and finished headers
    _unfinished_bytes = 0  # fed since the last finished head, while a head is unfinished
    _head_done = True
    _too_large = False
    _head_timer: asyncio.TimerHandle | None = None

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        assert isinstance(config, HeadLimitsConfig)  # which alone names this protocol
        self.head_timeout = config.head_timeout
        self.max_head_bytes = config.max_head_bytes

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._head_done = False
        self._start_head_timer()

    def _start_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.logger.warning("Request head not received in %s s: 408.", self.head_timeout)
            self._reject(*_TOO_SLOW)

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # as sent: "name: value\r\n"
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        self._head_done = True
        self._unfinished_bytes = 0
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # A header still arriving is gathered inside httptools, out of on_header's sight;
        # what was fed while the head is unfinished bounds it.
        if not self._head_done and not self.transport.is_closing():
            self._unfinished_bytes += len(data)
            if self._unfinished_bytes > self.max_head_bytes:
                self._too_large = True
                self.send_400_response("")

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            # httptools turns this into a parser error, which uvicorn answers with
            # send_400_response: the flag makes that a 431.
            self._too_large = True
            raise HeadTooLarge

    def send_400_response(self, msg: str) -> None:
        if not self._too_large:
            super().send_400_response(msg)
            return
        self.logger.warning("Request head larger than %d bytes: 431.", self.max_head_bytes)
        self._reject(*_TOO_LARGE)

    def _reject(self, status: int, detail: dict[str, str]) -> None:
        """Answer before any app sees the request, and close the connection."""
        self._stop_head_timer()
        body = encode_json(detail)
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode() + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()


class HeadLimitsConfig(Config):
    """uvicorn's Config carrying the head timeout for BoundedHttpToolsProtocol. Both are
    plain module-level classes, so the config pickles into worker processes."""

    def __init__(
        self, app: Any, *, head_timeout: float, max_head_bytes: int, **kwargs: Any
    ) -> None:
        super().__init__(app, http=BoundedHttpToolsProtocol, **kwargs)
        self.head_timeout = head_timeout
        self.max_head_bytes = max_head_bytes
