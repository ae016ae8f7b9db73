"""ASGI chores, one helper each: read a header, read a bounded body and replay it, stream a
body on, answer JSON or a stream.

The mock's middlewares, its endpoint, its faults and the suite's proxy all use these, so
a body limit, a JSON answer or a header lookup means the same thing everywhere.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any, NamedTuple

from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

__all__ = [
    "Body",
    "ClientDisconnect",
    "body_chunks",
    "encode_json",
    "header",
    "json_headers",
    "read_body",
    "replay",
    "route_path",
    "send_bytes",
    "send_json",
    "send_stream",
]

RawHeaders = list[tuple[bytes, bytes]]


def header(scope: Scope, name: bytes) -> str | None:
    """A request header's value (latin-1, as HTTP headers are), or None. `name` is lower case."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def route_path(scope: Scope) -> str:
    """The path Starlette's routers match: `path` without the `root_path` prefix."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] == "/":
        return path[len(root) :]
    return path


def encode_json(body: Any) -> bytes:
    """A JSON document as the mock sends it: UTF-8, ending with a newline (as Connexion's
    encoder ends the documents it writes)."""
    return (json.dumps(body) + "\n").encode()


def json_headers(payload: bytes, extra: Iterable[tuple[str, str]] = ()) -> RawHeaders:
    """Content-Type and Content-Length of a JSON payload, then `extra` (name, value) pairs."""
    return [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in extra),
    ]


async def send_json(
    send: Send, status: int, body: Any, headers: Iterable[tuple[str, str]] = ()
) -> None:
    """Answer with `body` as JSON."""
    payload = encode_json(body)
    await send_bytes(send, status, json_headers(payload, headers), payload)


async def send_bytes(send: Send, status: int, headers: RawHeaders, body: bytes) -> None:
    """Answer with these headers and body; Content-Length is set from the body."""
    kept = [(name, value) for name, value in headers if name.lower() != b"content-length"]
    kept.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": kept})
    await send({"type": "http.response.body", "body": body})


async def send_stream(
    send: Send, status: int, headers: RawHeaders, chunks: AsyncIterable[bytes]
) -> None:
    """Answer with these headers as they are (a Content-Length among them is kept, and
    without one the server frames the body itself), then the body's chunks as they come."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    async for chunk in chunks:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


class Body(NamedTuple):
    """A request body read up to a limit. `complete`: False when the body went past the
    limit, and `data` then holds only its first bytes (the rest is left unread)."""

    data: bytes
    complete: bool


async def read_body(receive: Receive, limit: int) -> Body:
    """Read the request body, stopping as soon as it is more than `limit` bytes, so a
    client can never make the server hold more. Raises ClientDisconnect when the client
    goes away before the body ends."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = bool(message.get("more_body", False))
        if not more:
            return Body(b"".join(chunks), complete=True)
        if size > limit:
            return Body(b"".join(chunks), complete=False)


def replay(body: bytes, upstream: Receive, *, more_body: bool = False) -> Receive:
    """A receive that gives `body` first, then whatever else `upstream` has (the rest of
    the body when `more_body`, else only the client's disconnect)."""
    given = False

    async def receive() -> Message:
        nonlocal given
        if given:
            return await upstream()
        given = True
        return {"type": "http.request", "body": body, "more_body": more_body}

    return receive


async def body_chunks(receive: Receive) -> AsyncIterator[bytes]:
    """The request body's chunks as they arrive (after `replay`, the replayed bytes
    first), never more than one at a time in memory. Raises ClientDisconnect when the
    client goes away before the body ends."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return
