"""The operation's request as it arrives: recognised once, its body read once.

The outermost of the mock's own middlewares looks at each request one time: is it the
contract's operation (its method, on either of its paths)? For the operation it reads the
body, up to the size limit, and puts both in the scope. The journal, the faults, the gate
and the endpoint below then use that one decision and those same bytes, instead of each
reading and replaying the body and each deciding again.
"""

from __future__ import annotations

from typing import NamedTuple

from starlette.types import ASGIApp, Receive, Scope, Send

from contacts_core.asgi import Body, ClientDisconnect, read_body, replay, route_path
from contacts_core.spec import Operation

# Where the arrival is kept in the scope (ASGI's place for server-specific extensions).
EXTENSION = "contacts_mock.arrival"


class Arrival(NamedTuple):
    """An operation request as read on arrival. `body` is None when the client went away
    before its body ended; `body.complete` is False when it went past the size limit."""

    body: Body | None


def arrival(scope: Scope) -> Arrival | None:
    """The operation's request as read on arrival; None for every other request."""
    found: Arrival | None = scope.get("extensions", {}).get(EXTENSION)
    return found


def with_body(scope: Scope, data: bytes) -> Scope:
    """The same request's scope with another whole body (what a fault sends on)."""
    extensions = {**scope.get("extensions", {}), EXTENSION: Arrival(Body(data, complete=True))}
    return dict(scope, extensions=extensions)


class ReadArrival:
    """Recognises the operation's requests and reads their bodies, once, for every layer."""

    def __init__(self, app: ASGIApp, operation: Operation) -> None:
        self.app, self.operation = app, operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.operation.is_request(
            scope["method"], route_path(scope)
        ):
            await self.app(scope, receive, send)
            return
        try:
            body: Body | None = await read_body(receive, self.operation.max_body_bytes)
        except ClientDisconnect:
            body = None
        extensions = {**scope.get("extensions", {}), EXTENSION: Arrival(body)}
        # Replayed too, so that a layer reading the body the ASGI way still gets it whole.
        if body is not None:
            receive = replay(body.data, receive, more_body=not body.complete)
        await self.app(dict(scope, extensions=extensions), receive, send)
