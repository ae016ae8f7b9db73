"""Connexion's routing middleware, remembering where it sent each method and path.

On every request Starlette's routers try each mount and route in turn, matching regular
expressions, only to find the same operation as last time: the answer depends on
nothing but the method, the path and the root path. So the operationId (and path
parameters) Connexion's router found is kept for each such triple it routed to an
operation, up to MAX_REMEMBERED of them, and later requests are marked exactly as
Connexion's RoutingOperation marks them. Anything else (404, 405, Swagger UI, lifespan)
still goes through the router.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from connexion.middleware.routing import RoutingMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

# Connexion's key for its routing decision in the scope's extensions.
ROUTING = "connexion_routing"

MAX_REMEMBERED = 256

Key = tuple[str, str, str]


class Route(NamedTuple):
    path_params: dict[str, Any]
    routing: dict[str, Any]  # Connexion's routing extension: api_base_path, operation_id


def _key(scope: Scope) -> Key:
    return scope["method"], scope["path"], scope.get("root_path", "")


class RememberedRouting(RoutingMiddleware):  # type: ignore[misc]
    """RoutingMiddleware that routes a method and path it has routed before from memory."""

    def __init__(self, app: ASGIApp) -> None:
        self.known: dict[Key, Route] = {}
        # The operations the router finds call the next app through _learn.
        super().__init__(self._learn)
        self.next_app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        known = self.known.get(_key(scope)) if scope["type"] == "http" else None
        if known is None:
            await super().__call__(scope, receive, send)
            return
        # What connexion.middleware.routing.RoutingOperation does with a routed request.
        routed = dict(scope)
        routed.setdefault("path_params", {}).update(known.path_params)
        routed.setdefault("extensions", {}).setdefault(ROUTING, {}).update(known.routing)
        await self.next_app(routed, receive, send)

    async def _learn(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing = scope.get("extensions", {}).get(ROUTING, {})
        if (
            scope["type"] == "http"
            and routing.get("operation_id") is not None
            and len(self.known) < MAX_REMEMBERED
        ):
            self.known[_key(scope)] = Route(dict(scope.get("path_params", {})), dict(routing))
        await self.next_app(scope, receive, send)
