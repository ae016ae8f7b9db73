"""`Prefer` (RFC 7240): the preferences a request states, read once for the mock (which
simulates `code=` and `example=` answers) and the proxy (which does not judge them)."""

from __future__ import annotations

from typing import Any

from starlette.types import Scope


def preferences(values: list[str]) -> dict[str, str]:
    """The preferences of Prefer headers, as RFC 7240 reads them: tokens case-insensitive,
    whitespace around "=" allowed, values maybe quoted, parameters after ";" set aside,
    the first of a repeated preference kept (section 2)."""
    found: dict[str, str] = {}
    for value in values:
        for preference in value.split(","):
            name, _, word = preference.split(";", 1)[0].partition("=")
            name = name.strip().lower()
            if name and name not in found:
                found[name] = word.strip().strip('"')
    return found


def prefer_headers(scope: Scope) -> list[str]:
    """The values of the request's Prefer headers, in order."""
    return [bytes(v).decode("latin-1") for k, v in scope["headers"] if k.lower() == b"prefer"]


def simulated_status(scope: Scope, responses: dict[int, Any]) -> int | None:
    """The documented status a request asks to be answered with: `code=NNN`, or the
    status of the one response whose examples hold `example=NAME`; None if neither."""
    wanted = preferences(prefer_headers(scope))
    code = wanted.get("code")
    if code is not None:
        return int(code) if code.isascii() and code.isdigit() else None
    name = wanted.get("example")
    if name is None:
        return None
    statuses = [status for status, r in responses.items() if name in r.examples]
    return statuses[0] if len(statuses) == 1 else None
