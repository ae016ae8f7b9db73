"""create_app(settings): the Connexion app, its middlewares and the admin routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from connexion import AsyncApp
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.types import ASGIApp, Receive, Scope, Send

from contacts_core.cases import CaseLog
from contacts_core.cors import Cors
from contacts_core.spec import load_spec, operation, spec_path
from contacts_core.tokens import TokenTable
from mock_server import admin, errors, faults
from mock_server.arrival import ReadArrival
from mock_server.endpoint import OperationEndpoint
from mock_server.handlers import ContactsApi
from mock_server.middleware import ContractGate, Journal, Latency, PathAlias, PreferCode
from mock_server.recorder import CaseTaker
from mock_server.routing import RememberedRouting
from mock_server.seed import read_seed_file
from mock_server.settings import Settings
from mock_server.store import ContactShape, open_store
from mock_server.swagger import SwaggerUI
from mock_server.validation import BodyValidator

logger = logging.getLogger("mock_server")

ADMIN_PREFIX = "/__mock__"


class MockApp:
    """The mock as one ASGI app: the contract (Connexion) plus the /__mock__ admin API."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.operation = operation()
        self.store = open_store(settings, ContactShape(self.operation))
        # Read and checked now, for a clear error before serving; loaded by prepare().
        self.seed = read_seed_file(settings.seed_file) if settings.seed_file else None
        self.api = ContactsApi(self.store)
        tokens = TokenTable(settings.tokens)
        # The keys are given only to be masked wherever else a request holds them.
        keys = [*settings.tokens, *filter(None, [settings.control_token])]
        self.cases = CaseTaker(self.operation, tokens, keys)
        self.recording = _recording(settings.record)
        self.connexion = self._connexion_app(tokens)
        self.asgi = self._wrap(self.connexion)

    async def prepare(self) -> str | None:
        """Check that the store answers and load the seed file into it, once: not when the
        store already holds contacts (another worker or replica loaded it, or people have
        used it). Says what happened to the seed file, for the banner. Raises
        StoreUnavailable."""
        await self.store.ping()
        if self.seed is None:
            return None
        if await self.store.seed(self.seed):
            return f"{len(self.seed)} contacts loaded from {self.settings.seed_file}"
        held = await self.store.count()
        return f"{self.settings.seed_file} not loaded: the store already holds {held} contacts"

    @asynccontextmanager
    async def _lifespan(self, _app: Any) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await self.store.close()
            if self.recording is not None:
                self.recording.close()

    def _connexion_app(self, tokens: TokenTable) -> AsyncApp:
        contract = self.operation
        handlers = self.api.operations()
        app = AsyncApp(
            __name__,
            lifespan=self._lifespan,
            middlewares=[
                ServerErrorMiddleware,
                ExceptionMiddleware,
                SwaggerUI,
                RememberedRouting,
                partial(PreferCode, operation=contract),
                partial(ContractGate, operation=contract, tokens=tokens),
                # The operation is answered here, so Connexion's per-request parameter
                # and body validation, context and handler call never run for it.
                partial(
                    OperationEndpoint,
                    validator=BodyValidator(contract.request_schema),
                    handler=handlers[contract.operation_id],
                ),
                LifespanMiddleware,
            ],
        )
        app.add_api(
            load_spec(),
            resolver=Resolver(function_resolver=handlers.__getitem__),
            swagger_ui_options=SwaggerUIOptions(
                swagger_ui_path="/api/ui",
                spec_path="/api/openapi.json",
                swagger_ui_config={"persistAuthorization": True},
            ),
        )
        errors.add_handlers(app)
        return app

    def _wrap(self, contract: ASGIApp) -> ASGIApp:
        """The mock's own layers around the contract, outermost first: a request goes down
        this list to Connexion, and its answer back up it."""
        s, op = self.settings, self.operation
        layers: list[Callable[[ASGIApp], ASGIApp]] = [
            partial(
                Cors,
                allow_origins=list(s.cors_origins),
                allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
                # Whatever a preflight asks for, as the proxy (and staging) allow: frontends
                # add tracing headers (X-Request-Id, traceparent, sentry-trace, baggage).
                allow_headers=["*"],
                expose_headers=["WWW-Authenticate", "Allow", "Preference-Applied"],
                max_age=600,
            ),
            # Is it the operation, and its body: decided and read once, for every layer.
            partial(ReadArrival, operation=op),
            partial(
                Journal,
                store=self.store,
                skip_prefix=ADMIN_PREFIX,
                taker=self.cases,
                log=self.recording,
            ),
            *(
                [
                    partial(
                        Latency,
                        prefix=op.heading_path,
                        latency=s.latency_ms / 1000,
                        jitter=s.jitter_ms / 1000,
                    )
                ]
                if s.latency_ms or s.jitter_ms
                else []
            ),
            # A deliberate bug (--fault), for proving the contract suite catches it: outside
            # the alias, so that a fault can answer the heading path its own way.
            partial(faults.inject, name=s.fault, tokens=s.tokens),
            partial(PathAlias, alias=op.heading_path, target=op.path),
            partial(
                admin.AdminDispatch,
                prefix=ADMIN_PREFIX,
                router=admin.routes(self.store, self.cases),
                control_key=s.control_token,
            ),
        ]
        app = contract
        for layer in reversed(layers):
            app = layer(app)
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)


def _recording(path: Path | None) -> CaseLog | None:
    if path is None:
        return None
    try:
        return CaseLog(path, log=logger)
    except OSError as error:
        raise ValueError(f"--record: cannot write {path}: {error.strerror}") from None


def create_app(settings: Settings | None = None) -> MockApp:
    """A new mock on the store its settings name (a new, empty one for `memory`)."""
    logger.debug("spec: %s", spec_path())
    return MockApp(settings or Settings())
