"""Errors the mock answers with, in the contract's shapes (Django REST Framework's)."""

from __future__ import annotations

from typing import Any

from contacts_core.tokens import TOKEN_SCHEME


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
