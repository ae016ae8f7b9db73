"""Token authentication and the Staff-or-Admin permission, as the mock answers them.
Plain Python, no HTTP.

The token table and the credential vocabulary are the core's (contacts_core.tokens); the
roles that may call an operation come from the spec's `x-permission` extension.
"""

from __future__ import annotations

from contacts_core.tokens import TokenTable, token_parts
from mock_server.errors import NotAuthenticated, PermissionDenied


def authenticate(header: str | None, tokens: TokenTable) -> str:
    """The role of the `Authorization: Token <key>` header's key; raise 401 otherwise.

    The messages are Django REST Framework's TokenAuthentication messages.
    """
    parts = token_parts(header)
    if parts is None:
        raise NotAuthenticated("Authentication credentials were not provided.")
    if not parts:
        raise NotAuthenticated("Invalid token header. No credentials provided.")
    if len(parts) > 1:
        raise NotAuthenticated("Invalid token header. Token string should not contain spaces.")
    role = tokens.role_of(parts[0])
    if role is None:
        raise NotAuthenticated("Invalid token.")
    return role


def authorize(role: str, allowed_roles: frozenset[str]) -> None:
    """Raise 403 unless the role may call the operation."""
    if role not in allowed_roles:
        raise PermissionDenied()
