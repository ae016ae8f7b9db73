"""`Prefer` (RFC 7240) as the mock reads it: which answer a request asks to be simulated."""

from __future__ import annotations

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


def is_simulated(scope: Scope) -> bool:
    """Whether the request asks for a documented answer (`code=` or `example=`), which the
    mock gives without doing what a backend would."""
    wanted = preferences(prefer_headers(scope))
    return "code" in wanted or "example" in wanted
