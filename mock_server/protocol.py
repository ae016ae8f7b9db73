"""uvicorn's httptools protocol with a bound on the size of a request's head.

h11 refuses request heads over 16 KiB, but httptools accepts heads of any size and
gathers each header in memory until it ends, so one client could make the mock hold
megabytes per connection. Here a request line and headers over MAX_HEAD_BYTES get 431
and the connection is closed. Requires httptools (uvicorn's "standard" extra).
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from mock_server.settings import MAX_HEAD_BYTES

_BODY = json.dumps({"detail": "Request header fields too large."}).encode()


class HeadTooLarge(Exception):
    pass


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that answers 431 to a request head over MAX_HEAD_BYTES."""

    _head_bytes = 0  # of the current request's URL and finished headers
    _unfinished_bytes = 0  # fed since the last finished head, while a head is unfinished
    _head_done = True
    _too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._head_done = False

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # as sent: "name: value\r\n"
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_done = True
        self._unfinished_bytes = 0
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # A header still arriving is gathered inside httptools, out of on_header's sight;
        # what was fed while the head is unfinished bounds it.
        if not self._head_done and not self.transport.is_closing():
            self._unfinished_bytes += len(data)
            if self._unfinished_bytes > MAX_HEAD_BYTES:
                self._too_large = True
                self.send_400_response("")

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            # httptools turns this into a parser error, which uvicorn answers with
            # send_400_response: the flag makes that a 431.
            self._too_large = True
            raise HeadTooLarge

    def send_400_response(self, msg: str) -> None:
        if not self._too_large:
            super().send_400_response(msg)
            return
        self.logger.warning("Request head larger than %d bytes: 431.", MAX_HEAD_BYTES)
        content = [STATUS_LINE[431]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(_BODY)).encode() + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                _BODY,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
