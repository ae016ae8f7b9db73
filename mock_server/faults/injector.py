"""FaultInjector: wraps the mock's contract path and applies one fault at its seams, so the
mock itself carries no fault code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contacts_core.asgi import encode_json, replay, send_bytes
from mock_server.arrival import arrival, with_body
from mock_server.faults.registry import UNPARSED, Fault, Head, RawHeaders, Reply, facts


class FaultInjector:
    """Applies `fault` to the operation's requests, on its path and its heading path."""

    def __init__(self, app: ASGIApp, fault: Fault, tokens: Mapping[str, str]) -> None:
        self.app, self.fault, self.tokens = app, fault, tokens
        spec = facts()
        self.heading_path = spec.heading_path
        self.path, self.operation_method = spec.op.path, spec.op.method
        self.auth_header = spec.op.auth_header.lower().encode()
        self.success = spec.success

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (
            self.fault.method is not None
            and scope["path"] == self.path
            and scope["method"] != self.operation_method
        ):
            instead = self.fault.method(scope["method"])
            if instead is not None:
                await send_bytes(send, instead.status, instead.headers, instead.body)
                return
        if scope["path"] == self.heading_path and self.fault.route is not None:
            rerouted = self.fault.route()
            if rerouted is not None:
                await send_bytes(send, rerouted.status, rerouted.headers, rerouted.body)
                return
        arrived = arrival(scope)
        if arrived is None:
            await self.app(scope, receive, send)
            return
        if arrived.body is None:
            return  # nobody is left to answer
        raw = arrived.body.data
        if not arrived.body.complete:
            # Over the size limit: the mock answers 413 as it would without the fault.
            await self.app(scope, receive, send)
            return
        headers = list(scope["headers"])
        if self.fault.head is not None:
            seen = self.fault.head(Head(headers, scope.get("query_string", b""), raw), self.tokens)
            if isinstance(seen, Reply):
                await send_bytes(send, seen.status, seen.headers, seen.body)
                return
            headers, raw = _with_length(seen.headers, seen.body), seen.body
        sent = _parse(raw)
        if self.fault.credentials is not None:
            headers = self._credentials(headers)
        if self.fault.request is not None and isinstance(sent, dict):
            raw = json.dumps(self.fault.request(sent)).encode()
            headers = _with_length(headers, raw)
        reply = await _capture(self.app, dict(scope, headers=headers), raw, receive)
        if (
            self.fault.contact is not None
            and reply.status == self.success
            and isinstance(sent, dict)
        ):
            contact = self.fault.contact(json.loads(reply.body), sent)
            reply = Reply(reply.status, reply.headers, encode_json(contact))
        if self.fault.response is not None:
            reply = self.fault.response(reply, sent)
        await send_bytes(send, reply.status, reply.headers, reply.body)

    def _credentials(self, headers: RawHeaders) -> RawHeaders:
        assert self.fault.credentials is not None
        current = next(
            (v.decode("latin-1") for k, v in headers if k.lower() == self.auth_header), None
        )
        believed = self.fault.credentials(current, self.tokens)
        kept = [(k, v) for k, v in headers if k.lower() != self.auth_header]
        return kept if believed is None else [*kept, (self.auth_header, believed.encode("latin-1"))]


def _with_length(headers: RawHeaders, body: bytes) -> RawHeaders:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    return [*kept, (b"content-length", str(len(body)).encode())]


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return UNPARSED


async def _capture(app: ASGIApp, scope: Scope, body: bytes, upstream: Receive) -> Reply:
    """What the app answers the request with this body (which may not be the one sent)."""
    reply = Reply(500, [], b"")
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            reply.status = message["status"]
            reply.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(with_body(scope, body), replay(body, upstream), send)
    reply.body = b"".join(chunks)
    return reply
