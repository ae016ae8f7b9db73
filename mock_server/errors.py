"""Errors the mock answers with, in the contract's shapes (Django REST Framework's), and
Connexion's handlers that answer every exception in them."""

from __future__ import annotations

import logging
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from contacts_core.asgi import encode_json
from contacts_core.tokens import TOKEN_SCHEME
from mock_server.store import StoreUnavailable

logger = logging.getLogger("mock_server")


class ApiError(Exception):
    """An HTTP error response: a status, a JSON body and extra headers."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}

    @classmethod
    def detail(cls, status: int, message: str, headers: dict[str, str] | None = None) -> ApiError:
        return cls(status, {"detail": message}, headers)


class NotAuthenticated(ApiError):
    def __init__(self, message: str) -> None:
        super().__init__(401, {"detail": message}, {"WWW-Authenticate": TOKEN_SCHEME})


class PermissionDenied(ApiError):
    def __init__(self) -> None:
        super().__init__(403, {"detail": "You do not have permission to perform this action."})


class InvalidBody(ApiError):
    """400: field errors as {"field": ["message", ...]} or one {"detail": "..."}."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(400, body)


def unavailable(error: StoreUnavailable) -> ApiError:
    """503: the mock's own infrastructure (its store), not the contract, failed."""
    return ApiError.detail(503, str(error), {"Retry-After": "1"})


def routing_detail(status: int, method: str) -> str:
    """What a 404 or 405 says, as Django REST Framework words it."""
    return f'Method "{method}" not allowed.' if status == 405 else "Not found."


# --- Connexion's error handlers: every exception answered in the contract's shape ----------


def add_handlers(app: AsyncApp) -> None:
    """Answer every error of the contract path (and any unforeseen one, as a logged 500)
    as JSON in the contract's shape."""
    app.add_error_handler(ApiError, _api_error)
    app.add_error_handler(HTTPException, _http_error)
    app.add_error_handler(ProblemException, _http_error)
    app.add_error_handler(StoreUnavailable, _store_unavailable)
    app.add_error_handler(Exception, _server_error)


def _json_response(error: ApiError) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=error.status,
        mimetype="application/json",
        content_type="application/json",
        body=encode_json(error.body),
        headers=error.headers,
    )


def _api_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ApiError)
    return _json_response(exc)


def _http_error(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """Routing errors (404, 405) and Connexion's own problems."""
    if isinstance(exc, HTTPException):
        status, headers = exc.status_code, dict(exc.headers or {})
    else:
        assert isinstance(exc, ProblemException)
        status, headers = exc.status, dict(exc.headers or {})
    if status in (404, 405):
        detail = routing_detail(status, request.method)
    else:
        detail = str(getattr(exc, "detail", "") or "Bad request.")
    return _json_response(ApiError.detail(status, detail, headers))


def _store_unavailable(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, StoreUnavailable)
    return _json_response(unavailable(exc))


def _server_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    logger.error("unhandled error", exc_info=exc)
    return _json_response(ApiError.detail(500, "A server error occurred."))
