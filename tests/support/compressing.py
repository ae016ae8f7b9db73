"""A backend that compresses its answers, as staging servers behind nginx or a CDN do: the
mock, with any of contacts-mock's options (--fault ...), behind a compressing layer, as a
process of its own on a free loopback port.

    python -m tests.support.compressing CODINGS [contacts-mock options]

CODINGS is what the answers' Content-Encoding says, applied in that order: `gzip`, `br`,
`deflate`, `raw-deflate` (deflate without its zlib wrapper, as some servers send it), or
several (`gzip,br`); `zstd` labels the body without changing it (an encoding the proxy
does not decode; the label is all it looks at). Every answer of at least MIN_BYTES is
compressed when the request's Accept-Encoding names the first coding, as nginx does; it
prints the mock's `API:` line once it listens.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import zlib
from typing import Any

import brotli
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.app import create_app
from mock_server.cli import parse_settings

MIN_BYTES = 20  # nginx's gzip_min_length default


def encode(coding: str, data: bytes) -> bytes:
    if coding == "gzip":
        return zlib.compress(data, wbits=16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return zlib.compress(data)
    if coding == "raw-deflate":
        return zlib.compress(data, wbits=-zlib.MAX_WBITS)
    if coding == "br":
        return bytes(brotli.compress(data))
    if coding == "zstd":
        return data
    raise SystemExit(f"compressing: unknown coding {coding!r}")


class Compress:
    """Buffers each answer and sends it compressed, with Content-Encoding and Vary."""

    def __init__(self, app: ASGIApp, codings: list[str]) -> None:
        self.app, self.codings = app, codings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepted = dict(scope["headers"]).get(b"accept-encoding", b"").decode()
        wanted = self.codings[0].replace("raw-", "") in accepted
        start: dict[str, Any] = {}
        body = bytearray()

        async def buffered(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            data = bytes(body)
            headers = [(n, v) for n, v in start["headers"] if n.lower() != b"content-length"]
            if wanted and len(data) >= MIN_BYTES:
                for coding in self.codings:
                    data = encode(coding, data)
                names = ", ".join(c.replace("raw-", "") for c in self.codings)
                headers += [(b"content-encoding", names.encode()), (b"vary", b"Accept-Encoding")]
            headers.append((b"content-length", str(len(data)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, buffered)


def main(argv: list[str]) -> None:
    codings = argv[0].split(",")
    settings, _ = parse_settings(argv[1:])
    app = Compress(create_app(settings), codings)
    sock = socket.create_server(("127.0.0.1", 0))
    print(f"API: http://127.0.0.1:{sock.getsockname()[1]}/api/contacts/", flush=True)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    main(sys.argv[1:])
