"""Swagger UI and the served spec: Connexion's middleware, asked only about its own paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from starlette.types import Receive, Scope, Send

from contacts_core.asgi import route_path


def literal_prefixes(routes: list[Any], base: str = "") -> Iterator[str]:
    """The fixed start of every route's path: no request outside them can match a route."""
    for route in routes:
        path = base + route.path
        children = getattr(route, "routes", None)
        if children:
            yield from literal_prefixes(children, path)
        else:
            yield path.split("{")[0]


class SwaggerUI(SwaggerUIMiddleware):  # type: ignore[misc]
    """Connexion's Swagger UI middleware, skipped by requests outside its routes.

    Its router tries each UI route in turn on every request before passing it on,
    which was a tenth of the cost of an API request.
    """

    _prefixes: tuple[str, ...] = ()

    def add_api(self, *args: Any, **kwargs: Any) -> None:
        super().add_api(*args, **kwargs)
        self._prefixes = tuple(sorted(set(literal_prefixes(self.router.routes))))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not route_path(scope).startswith(self._prefixes):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
