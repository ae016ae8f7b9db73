"""Authentication and permission bugs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mock_server.faults.registry import (
    UNPARSED,
    Reply,
    credentials_fault,
    facts,
    json_reply,
    response_fault,
)


def key_with_role(tokens: Mapping[str, str], allowed: bool) -> str | None:
    """A key whose role may (or, with allowed=False, may not) call the operation."""
    roles = facts().op.roles
    return next((k for k, r in tokens.items() if (r in roles) == allowed), None)


def as_key(header: str | None, key: str | None) -> str | None:
    """The header with `key` in it (the header itself when there is no such key)."""
    return f"Token {key}" if key else header


def _role_of(header: str | None, tokens: Mapping[str, str]) -> str | None:
    parts = (header or "").split()
    return tokens.get(parts[1]) if len(parts) == 2 else None


@credentials_fault(
    "no-token-accepted",
    "a request without an Authorization header is accepted",
    "authentication_required",
)
def no_token_accepted(header: str | None, tokens: Mapping[str, str]) -> str | None:
    return as_key(header, key_with_role(tokens, allowed=True)) if header is None else header


@response_fault(
    "403-instead-of-401", "bad credentials get 403 instead of 401", "authentication_required"
)
def unauthenticated_as_403(reply: Reply, sent: Any) -> Reply:
    if reply.status != 401:
        return reply
    return json_reply(403, {"detail": "You do not have permission to perform this action."})


@response_fault(
    "missing-www-authenticate",
    "401 without the WWW-Authenticate header",
    "authentication_required",
)
def missing_www_authenticate(reply: Reply, sent: Any) -> Reply:
    return Reply(reply.status, reply.without(b"www-authenticate"), reply.body)


@response_fault(
    "validation-before-auth",
    "the body is validated before the credentials",
    "authentication_before_validation",
)
def validation_before_auth(reply: Reply, sent: Any) -> Reply:
    # Emulated after the fact: a 401 for a body the validator rejects becomes that 400.
    if reply.status != 401:
        return reply
    if sent is UNPARSED:
        return json_reply(400, {"detail": "JSON parse error."})
    errors = facts().validator.errors(sent)
    return json_reply(400, errors) if errors else reply


@credentials_fault(
    "non-staff-accepted",
    "any authenticated key may create: the permission check is missing",
    "permission_enforced",
)
def non_staff_accepted(header: str | None, tokens: Mapping[str, str]) -> str | None:
    role = _role_of(header, tokens)
    if role is not None and role not in facts().op.roles:
        return as_key(header, key_with_role(tokens, allowed=True))
    return header


@credentials_fault(
    "admin-rejected",
    "the permission checks for staff only, so admin keys get 403",
    "admin_key_accepted",
)
def admin_rejected(header: str | None, tokens: Mapping[str, str]) -> str | None:
    if _role_of(header, tokens) == "admin":
        return as_key(header, key_with_role(tokens, allowed=False))
    return header
