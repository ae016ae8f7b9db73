"""The mock-only admin API under /__mock__ (never part of the contract)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from importlib import resources

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from contacts_core.asgi import encode_json, header, send_json
from contacts_core.tokens import TOKEN_SCHEME, is_control_key
from mock_server.errors import routing_detail, unavailable
from mock_server.recorder import CaseTaker
from mock_server.store import ContactStore, StoreUnavailable

Endpoint = Callable[[Request], Awaitable[Response]]

JSON, CASES = "json", "cases"
CASES_MEDIA_TYPE = "application/jsonl"
# How many of the operation's requests in the journal were too large to keep as cases.
OMITTED = "X-Cases-Omitted"
# For load balancers and orchestrators, which hold no secret: open even with a control
# token, and revealing nothing.
LIVE, READY = "/live", "/ready"
OPEN_PATHS = (LIVE, READY)

NEEDS_CONTROL_TOKEN = "The /__mock__/ API needs Authorization: Token <the mock's control token>."


def _answers_503(endpoint: Endpoint) -> Endpoint:
    @wraps(endpoint)
    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except StoreUnavailable as error:
            answer = unavailable(error)
            # The same bytes as the contract path's 503.
            return Response(
                encode_json(answer.body),
                answer.status,
                answer.headers,
                media_type="application/json",
            )

    return guarded


def routes(store: ContactStore, cases: CaseTaker) -> Router:
    async def list_contacts(_request: Request) -> Response:
        return JSONResponse(await store.all())

    async def reset_contacts(_request: Request) -> Response:
        await store.reset()
        return Response(status_code=204)

    async def view_contact(request: Request) -> Response:
        contact = await store.mark_viewed(request.path_params["contact_id"])
        if contact is None:
            return JSONResponse({"detail": routing_detail(404, request.method)}, status_code=404)
        return JSONResponse(contact)

    async def requests(request: Request) -> Response:
        shape = request.query_params.get("format", JSON)
        if shape not in (JSON, CASES):
            return JSONResponse({"detail": f"format must be {JSON} or {CASES}"}, 400)
        journal = await store.journal()
        if shape == JSON:
            return JSONResponse([entry.as_json() for entry in journal])
        # A case file as it is: save it and replay it.
        sent = [(entry, entry.request) for entry in journal if entry.request is not None]
        lines = [cases.line(entry.path, request, entry.started) for entry, request in sent]
        omitted = sum(request.body is None for _, request in sent)
        body = "".join(line + "\n" for line in lines if line is not None)
        return Response(body, media_type=CASES_MEDIA_TYPE, headers={OMITTED: str(omitted)})

    async def clear_requests(_request: Request) -> Response:
        await store.clear_journal()
        return Response(status_code=204)

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "contacts": await store.count()})

    async def live(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_request: Request) -> Response:
        # Open to anyone: says whether the store answers, never which store or why.
        try:
            await store.ping()
        except StoreUnavailable:
            return JSONResponse({"status": "unavailable"}, 503, {"Retry-After": "1"})
        return JSONResponse({"status": "ok"})

    async def admin_spec(_request: Request) -> Response:
        text = resources.files(__package__).joinpath("admin-openapi.yaml").read_text("utf-8")
        return Response(text, media_type="application/yaml")

    return Router(
        routes=[
            _route(
                "/contacts", GET=_answers_503(list_contacts), DELETE=_answers_503(reset_contacts)
            ),
            _route("/contacts/{contact_id:int}/view", POST=_answers_503(view_contact)),
            _route("/requests", GET=_answers_503(requests), DELETE=_answers_503(clear_requests)),
            _route("/health", GET=_answers_503(health)),
            _route("/openapi.yaml", GET=admin_spec),
            _route(LIVE, GET=live),
            _route(READY, GET=ready),
        ]
    )


def _route(path: str, **by_method: Endpoint) -> Route:
    """One route for every method of a path: Starlette answers a method no route of a
    path takes with the Allow of the first route it met, so two routes of one path
    would name only the first one's methods."""

    async def endpoint(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await by_method[method](request)

    return Route(path, endpoint, methods=list(by_method))


class AdminDispatch:
    """Send requests under `prefix` to the admin router, everything else to `app`. With a
    control key, an admin request without `Authorization: Token <key>` gets 401."""

    def __init__(
        self, app: ASGIApp, prefix: str, router: Router, control_key: str | None = None
    ) -> None:
        self.app, self.prefix, self.router = app, prefix, router
        self.control_key = control_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and (path == self.prefix or path.startswith(self.prefix + "/")):
            inner = path[len(self.prefix) :] or "/"
            if (
                self.control_key is not None
                and inner not in OPEN_PATHS
                and not is_control_key(header(scope, b"authorization"), self.control_key)
            ):
                headers = [("WWW-Authenticate", TOKEN_SCHEME)]
                await send_json(send, 401, {"detail": NEEDS_CONTROL_TOKEN}, headers)
                return
            scope = dict(scope, path=inner, root_path=self.prefix)
            # With an app in the scope, Starlette raises its 404 and 405 instead of
            # answering them in plain text: every answer here is JSON.
            scope.setdefault("app", self)
            try:
                await self.router(scope, receive, send)
            except HTTPException as error:
                detail = routing_detail(error.status_code, scope["method"])
                await send_json(
                    send, error.status_code, {"detail": detail}, (error.headers or {}).items()
                )
            return
        await self.app(scope, receive, send)
