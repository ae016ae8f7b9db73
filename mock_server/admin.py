"""The mock-only admin API under /__mock__ (never part of the contract)."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from mock_server.app import MockApp


def routes(mock: MockApp) -> Router:
    store = mock.store

    async def list_contacts(_request: Request) -> Response:
        return JSONResponse(store.all())

    async def reset_contacts(_request: Request) -> Response:
        store.reset()
        return Response(status_code=204)

    async def view_contact(request: Request) -> Response:
        contact = store.mark_viewed(request.path_params["contact_id"])
        if contact is None:
            return JSONResponse({"detail": "Not found."}, status_code=404)
        return JSONResponse(contact)

    async def requests(_request: Request) -> Response:
        return JSONResponse([entry.as_json() for entry in mock.journal])

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "contacts": len(store)})

    async def admin_spec(_request: Request) -> Response:
        text = resources.files(__package__).joinpath("admin-openapi.yaml").read_text("utf-8")
        return Response(text, media_type="application/yaml")

    return Router(
        routes=[
            Route("/contacts", list_contacts, methods=["GET"]),
            Route("/contacts", reset_contacts, methods=["DELETE"]),
            Route("/contacts/{contact_id:int}/view", view_contact, methods=["POST"]),
            Route("/requests", requests, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
            Route("/openapi.yaml", admin_spec, methods=["GET"]),
        ]
    )


class AdminDispatch:
    """Send requests under `prefix` to the admin router, everything else to `app`."""

    def __init__(self, app: ASGIApp, prefix: str, router: Router) -> None:
        self.app, self.prefix, self.router = app, prefix, router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and (path == self.prefix or path.startswith(self.prefix + "/")):
            scope = dict(scope, path=path[len(self.prefix) :] or "/", root_path=self.prefix)
            await self.router(scope, receive, send)
            return
        await self.app(scope, receive, send)
