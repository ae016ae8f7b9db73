"""Media types, parsed one way everywhere (RFC 9110 section 8.3.1): names are
case-insensitive, parameters follow `;`, whitespace around them is optional."""

from __future__ import annotations

JSON = "application/json"


def parse(content_type: str | None) -> tuple[str, dict[str, str]]:
    """A Content-Type's media type, lower case, and its parameters (names lower case,
    values unquoted); ("", {}) for none."""
    media, *params = (content_type or "").split(";")
    pairs = (p.partition("=") for p in params)
    return media.strip().lower(), {k.strip().lower(): v.strip().strip('"') for k, _, v in pairs}


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, lower case, without its parameters
    (`application/json; charset=utf-8` -> `application/json`); "" for none."""
    return (content_type or "").split(";", 1)[0].strip().lower()
