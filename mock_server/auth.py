"""Token authentication and the Staff-or-Admin permission. Plain Python, no HTTP.

The roles that may call an operation come from the spec's `x-permission` extension.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from mock_server.errors import TOKEN_SCHEME, NotAuthenticated, PermissionDenied

KNOWN_ROLES = ("staff", "admin", "user")


class TokenTable:
    """Token keys and their roles, looked up in constant time."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        unknown = {role for role in tokens.values() if role not in KNOWN_ROLES}
        if unknown:
            raise ValueError(f"unknown role(s) {sorted(unknown)}; choose from {KNOWN_ROLES}")
        self._tokens = [(key.encode(), role) for key, role in tokens.items()]

    def role_of(self, key: str) -> str | None:
        """The key's role, or None. Every key is compared, so timing does not reveal a prefix."""
        candidate = key.encode("utf-8", "surrogateescape")
        found = None
        for known, role in self._tokens:
            if hmac.compare_digest(candidate, known):
                found = role
        return found


def authenticate(header: str | None, tokens: TokenTable) -> str:
    """The role of the `Authorization: Token <key>` header's key; raise 401 otherwise.

    The messages are Django REST Framework's TokenAuthentication messages.
    """
    parts = (header or "").split()
    if not parts or parts[0].lower() != TOKEN_SCHEME.lower():
        raise NotAuthenticated("Authentication credentials were not provided.")
    if len(parts) == 1:
        raise NotAuthenticated("Invalid token header. No credentials provided.")
    if len(parts) > 2:
        raise NotAuthenticated("Invalid token header. Token string should not contain spaces.")
    role = tokens.role_of(parts[1])
    if role is None:
        raise NotAuthenticated("Invalid token.")
    return role


def authorize(role: str, allowed_roles: frozenset[str]) -> None:
    """Raise 403 unless the role may call the operation."""
    if role not in allowed_roles:
        raise PermissionDenied()


def is_control_key(header: str | None, control_key: str) -> bool:
    """Whether an `Authorization: Token <key>` header carries the control key (the admin
    API's), compared in constant time whatever the header holds."""
    parts = (header or "").split()
    scheme_ok = len(parts) == 2 and parts[0].lower() == TOKEN_SCHEME.lower()
    candidate = parts[-1] if scheme_ok else ""
    matches = hmac.compare_digest(
        candidate.encode("utf-8", "surrogateescape"), control_key.encode("utf-8")
    )
    return scheme_ok and matches
