"""The contract's operation, answered right after Connexion has routed it.

For every request, Connexion's stock operation path builds parameter validators, URI
parsers, a body validator and the handler's decorators, and inspects the handler's
signature. None of that changes between requests, and the operation has no parameters,
so this endpoint does the operation's remaining work itself: the body (400), the handler
and its JSON response. Routing (404, 405), Swagger UI and the served spec stay Connexion's,
and ContractGate, before this endpoint, has already answered 413, 401, 403 and 415.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from contacts_core.asgi import send_json
from mock_server.arrival import arrival
from mock_server.validation import BodyValidator, parse_json

Handler = Callable[[dict[str, Any]], Awaitable[tuple[Any, int]]]


class OperationEndpoint:
    """Answers the operation's requests (as `arrival` recognised them) with `handler`;
    passes every other request on."""

    def __init__(self, app: ASGIApp, validator: BodyValidator, handler: Handler) -> None:
        self.app = app
        self.validator = validator
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = arrival(scope)
        if arrived is None:
            await self.app(scope, receive, send)
            return
        # ContractGate has answered a body cut short (400) or over the size limit (413).
        assert arrived.body is not None
        fields = self.validator.validate(parse_json(arrived.body.data))
        result, status = await self.handler(fields)
        await send_json(send, status, result)
