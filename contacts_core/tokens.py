"""Token credentials: the roles, the token table, and the vocabulary every part of the
toolkit names a credential with (a role, a kind of bad credential, or a key that looks
like a valid one). Plain Python, no HTTP.

A credential is always named, never shown: a case, a recording, a report or a log line
says `staff`, `no-key` or `look-alike/admin/last-dropped`, not the key.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

TOKEN_SCHEME = "Token"
"""The word before the key in `Authorization: Token <key>`."""

KNOWN_ROLES = ("staff", "admin", "user")

# What an Authorization header holds when it carries no valid key. MASKED: a key whose
# role the recorder was not told (the validating proxy's case).
NONE, BEARER, NO_KEY, UNKNOWN_KEY, KEY_WITH_SPACES, MASKED = (
    "none",
    "bearer",
    "no-key",
    "unknown-key",
    "key-with-spaces",
    "masked",
)
CREDENTIALS = (*KNOWN_ROLES, NONE, BEARER, NO_KEY, UNKNOWN_KEY, KEY_WITH_SPACES, MASKED)
# A key made from a role's key by one change: `look-alike/<role>/<change>`.
LOOK_ALIKE = "look-alike"
# A role's key put where the contract puts no credential: `misplaced/<role>/<place>`.
MISPLACED = "misplaced"


@dataclass(frozen=True)
class Place:
    """Somewhere a careless backend looks for a key besides the Authorization header:
    `where` is query, cookie, header or body; `name` the parameter, cookie, header or
    field that holds it."""

    where: str
    name: str

    @property
    def description(self) -> str:
        match self.where:
            case "query":
                return f"in the query string (?{self.name}=)"
            case "cookie":
                return f"in a cookie ({self.name}=)"
            case "header":
                return f"in the {self.name} header"
        return f"in the body's {self.name!r} field"


# The contract's only credential is the Authorization header: with none, a valid key in
# any of these places must still get 401. By the name a case gives each.
PLACES = {
    "query-token": Place("query", "token"),
    "query-api_key": Place("query", "api_key"),
    "query-auth_token": Place("query", "auth_token"),
    "cookie-token": Place("cookie", "token"),
    "header-x-api-key": Place("header", "X-API-Key"),
    "header-x-auth-token": Place("header", "X-Auth-Token"),
    "body-token": Place("body", "token"),
}


class TokenTable:
    """Token keys and their roles, looked up in constant time."""

    def __init__(self, tokens: Mapping[str, str]) -> None:
        unknown = {role for role in tokens.values() if role not in KNOWN_ROLES}
        if unknown:
            raise ValueError(f"unknown role(s) {sorted(unknown)}; choose from {KNOWN_ROLES}")
        self._tokens = [(key.encode(), role) for key, role in tokens.items()]
        # Keys that resemble a known key: told apart by what they resemble.
        self._look_alikes = {
            alike.key: (role, alike)
            for key, role in tokens.items()
            for alike in look_alikes(key)
            if alike.key not in tokens
        }

    def role_of(self, key: str) -> str | None:
        """The key's role, or None. Every key is compared, so timing does not reveal a prefix."""
        candidate = key.encode("utf-8", "surrogateescape")
        found = None
        for known, role in self._tokens:
            if hmac.compare_digest(candidate, known):
                found = role
        return found

    def resembled(self, key: str) -> tuple[str, LookAlike] | None:
        """The role of the known key this key resembles, and how, or None."""
        return self._look_alikes.get(key)


def token_parts(header: str | None) -> list[str] | None:
    """The words after the `Token` scheme of an Authorization header (the key, if it is
    well formed), or None when there is no header or it names another scheme."""
    parts = (header or "").split()
    if not parts or parts[0].lower() != TOKEN_SCHEME.lower():
        return None
    return parts[1:]


def credential_of(header: str | None, tokens: TokenTable, unknown: str = UNKNOWN_KEY) -> str:
    """The name of the credential an Authorization header holds: the key's role, a
    look-alike of a known key, or how it fails, read as the mock authenticates. A key
    neither known nor resembling one is `unknown` (MASKED for a recorder that does not
    know every key)."""
    parts = token_parts(header)
    if parts is None:
        return NONE if not (header or "").strip() else BEARER
    if not parts:
        return NO_KEY
    if len(parts) > 1:
        return KEY_WITH_SPACES
    role = tokens.role_of(parts[0])
    if role is not None:
        return role
    resembled = tokens.resembled(parts[0])
    if resembled is not None:
        return f"{LOOK_ALIKE}/{resembled[0]}/{resembled[1].kind}"
    return unknown


def is_control_key(header: str | None, control_key: str) -> bool:
    """Whether an `Authorization: Token <key>` header carries the control key (an admin
    API's), compared in constant time whatever the header holds."""
    parts = (header or "").split()
    scheme_ok = len(parts) == 2 and parts[0].lower() == TOKEN_SCHEME.lower()
    candidate = parts[-1] if scheme_ok else ""
    matches = hmac.compare_digest(
        candidate.encode("utf-8", "surrogateescape"), control_key.encode("utf-8")
    )
    return scheme_ok and matches


def hidden(text: str, keys: Iterable[str]) -> str:
    """The text with every key replaced by as many asterisks."""
    for key in keys:
        if key:
            text = text.replace(key, "*" * len(key))
    return text


def placed_values(
    headers: Iterable[tuple[bytes, bytes]], query: bytes, body: bytes
) -> list[tuple[str, str]]:
    """What a request holds at each place of `PLACES`: (place, value) pairs, in the order
    of PLACES. Read as a careless backend reads them: the query string, the Cookie
    header, the named headers, a top-level string field of a JSON object body."""
    found: list[tuple[str, str]] = []
    named = {bytes(k).lower(): bytes(v).decode("latin-1") for k, v in headers}
    parameters = parse_qs(query.decode("latin-1"))
    cookie: SimpleCookie = SimpleCookie()
    with suppress(CookieError):  # an unreadable Cookie header holds no key
        cookie.load(named.get(b"cookie", ""))
    fields: Any = None
    for place, where in PLACES.items():
        if where.where == "query":
            found += [(place, value) for value in parameters.get(where.name, [])]
        elif where.where == "cookie" and where.name in cookie:
            found.append((place, cookie[where.name].value))
        elif where.where == "header" and where.name.lower().encode() in named:
            found.append((place, named[where.name.lower().encode()]))
        elif where.where == "body":
            if fields is None:
                try:
                    fields = json.loads(body)
                except ValueError:
                    fields = {}
            if isinstance(fields, dict) and isinstance(fields.get(where.name), str):
                found.append((place, fields[where.name]))
    return found


# --- look-alikes --------------------------------------------------------------------------


@dataclass(frozen=True)
class LookAlike:
    """A key made from a valid key, close enough to fool a careless look-up."""

    kind: str
    key: str
    description: str
    shell: str
    """The same key as a shell expression of `$KEY` (bash), so reports never show it."""

    def expression(self, variable: str) -> str:
        return self.shell.replace("KEY", variable)


def _other(char: str) -> str:
    """A character that differs from `char` in any letter case."""
    return "x" if char.lower() != "x" else "y"


def look_alikes(key: str) -> list[LookAlike]:
    """Keys that resemble `key`: where prefix indexes, case-insensitive collations,
    trimming and truncation to a column width let a wrong key in. Each must get 401."""
    if len(key) < 2:
        return []
    mid = len(key) // 2
    keep = len(key) - max(1, len(key) // 4)  # a long prefix: three quarters of the key
    tail = "".join(_other(c) for c in key[keep:])
    cased = key.upper() if key.upper() != key else key.lower()
    made = [
        LookAlike(
            "first-changed",
            _other(key[0]) + key[1:],
            "with its first character changed",
            _other(key[0]) + "${KEY#?}",
        ),
        LookAlike(
            "middle-changed",
            key[:mid] + _other(key[mid]) + key[mid + 1 :],
            "with its middle character changed",
            f"${{KEY:0:{mid}}}{_other(key[mid])}${{KEY:{mid + 1}}}",
        ),
        LookAlike(
            "last-changed",
            key[:-1] + _other(key[-1]),
            "with its last character changed",
            "${KEY%?}" + _other(key[-1]),
        ),
        LookAlike(
            "appended",
            key + _other(key[-1]),
            "with one character appended",
            "${KEY}" + _other(key[-1]),
        ),
        LookAlike("last-dropped", key[:-1], "with its last character dropped", "${KEY%?}"),
        LookAlike(
            "prefix",
            key[:keep] + tail,
            f"with its first {keep} characters and another tail",
            f"${{KEY:0:{keep}}}{tail}",
        ),
        LookAlike(
            "other-case",
            cased,
            "in other letter case",
            "${KEY^^}" if cased == key.upper() else "${KEY,,}",
        ),
        LookAlike(
            "inner-space",
            f"{key[:mid]} {key[mid:]}",
            "with a space inside",
            f"${{KEY:0:{mid}}} ${{KEY:{mid}}}",
        ),
        LookAlike(
            "inner-tab",
            f"{key[:mid]}\t{key[mid:]}",
            "with a tab (a control character) inside",
            f"${{KEY:0:{mid}}}$(printf '\\t')${{KEY:{mid}}}",
        ),
        LookAlike("repeated", key + key, "twice in a row", "${KEY}${KEY}"),
    ]
    unique: dict[str, LookAlike] = {}
    for alike in made:
        if alike.key != key:
            unique.setdefault(alike.key, alike)
    return list(unique.values())


# Every change `look_alikes` makes (on a key long enough for all of them to differ).
LOOK_ALIKE_CHANGES = frozenset(alike.kind for alike in look_alikes("a-Sample-key"))
