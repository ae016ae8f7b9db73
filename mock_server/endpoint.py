"""The contract's operation, answered right after Connexion has routed it.

For every request, Connexion's stock operation path builds parameter validators, URI
parsers, a body validator and the handler's decorators, and inspects the handler's
signature. None of that changes between requests, and the operation has no parameters,
so this endpoint does the operation's remaining work itself: the body (400), the handler
and its JSON response. Routing (404, 405), Swagger UI and the served spec stay Connexion's,
and ContractGate, before this endpoint, has already answered 413, 401, 403 and 415.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_server.middleware import operation_id
from mock_server.validation import BodyValidator, parse_json

Handler = Callable[[dict[str, Any]], Awaitable[tuple[Any, int]]]

_JSON = (b"content-type", b"application/json")


class OperationEndpoint:
    """Answers `operation_id`'s requests with `handler`; passes every other request on."""

    def __init__(
        self, app: ASGIApp, operation_id: str, validator: BodyValidator, handler: Handler
    ) -> None:
        self.app = app
        self.operation_id = operation_id
        self.validator = validator
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or operation_id(scope) != self.operation_id:
            await self.app(scope, receive, send)
            return
        fields = self.validator.validate(parse_json(await _read_body(receive)))
        result, status = await self.handler(fields)
        # Connexion's JSON encoder ends a document with a newline; the same bytes as before.
        payload = (json.dumps(result) + "\n").encode()
        headers = [_JSON, (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


async def _read_body(receive: Receive) -> bytes:
    # ContractGate has bounded the body and replays it as one message.
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body
    chunks = [body]
    while message.get("more_body", False):
        message = await receive()
        chunks.append(message.get("body", b""))
    return b"".join(chunks)
