"""How two answers to the same request differ: the mock's and the backend's.

Each difference has a kind, most serious first:

- `status`: the status codes differ (nothing else is compared then: the bodies answer
  different things);
- `shape`: JSON on one side only, different top-level keys (for a 400: which fields its
  errors name), or a value of another JSON type;
- `values`: an echoed or server-set value of a created contact that differs, after what
  must differ is set aside (the spec's identifiers and timestamps: per instance);
- `headers`: a header the contract or a browser relies on (the media type,
  `WWW-Authenticate`, `Allow`, `Retry-After`, CORS) present on one side only, or
  another value;
- `texts`: the wording of a message (`detail`, a field's messages): a UI that shows them
  changes with it, so they are apart, for a team to decide whether they matter.

Plain data in, differences out: no HTTP here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contacts_core.clock import parse_rfc3339
from contacts_core.media import parse as parse_media
from contract_tests.contract import Contract
from contract_tests.http import Response
from contract_tests.model import NOTHING
from contract_tests.oracle import shown

STATUS, SHAPE, VALUES, HEADERS, TEXTS = "status", "shape", "values", "headers", "texts"
KINDS = (STATUS, SHAPE, VALUES, HEADERS, TEXTS)
DESCRIPTIONS = {
    STATUS: "the two sides answer the same request with different status codes",
    SHAPE: "JSON on one side only, other top-level keys (the fields a 400 names), or a value "
    "of another JSON type",
    VALUES: "a created contact's echoed or server-set value differs (identifiers and "
    "timestamps set aside)",
    HEADERS: "a header the contract or a browser relies on differs",
    TEXTS: "the wording of a message differs",
}
# Two timestamps of the same request's answers this far apart (seconds) are not the same
# clock: the two sides answered within moments of each other.
CLOCK_TOLERANCE = 60.0
# Headers compared: by name, whether only the media type and its charset count.
COMPARED_HEADERS = {
    "content-type": True,
    "www-authenticate": False,
    "allow": False,
    "retry-after": False,
    "access-control-allow-origin": False,
    "access-control-allow-credentials": False,
    "access-control-expose-headers": False,
}


@dataclass(frozen=True)
class Difference:
    kind: str
    message: str


def _json(response: Response) -> Any:
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return NOTHING


def _type(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    return names.get(type(value), "a list" if isinstance(value, list) else "an object")


def _keys(only: set[str], side: str) -> str:
    return f"only {side} sends {', '.join(shown(k) for k in sorted(only))}"


def compare(c: Contract, mock: Response, backend: Response) -> list[Difference]:
    """Every difference between the mock's answer and the backend's, most serious first."""
    if mock.status != backend.status:
        return [Difference(STATUS, f"the mock answers {mock.status}, the backend {backend.status}")]
    found: list[Difference] = []
    ours, theirs = _json(mock), _json(backend)
    if (ours is NOTHING) != (theirs is NOTHING):
        json_side = "the mock" if theirs is NOTHING else "the backend"
        found.append(Difference(SHAPE, f"only {json_side} answers JSON"))
    elif isinstance(ours, dict) and isinstance(theirs, dict):
        found += _compare_objects(c, mock.status, ours, theirs)
    elif ours is not NOTHING and _type(ours) != _type(theirs):
        found.append(
            Difference(SHAPE, f"the mock answers {_type(ours)}, the backend {_type(theirs)}")
        )
    found += _compare_headers(mock, backend)
    return sorted(found, key=lambda d: KINDS.index(d.kind))


def _apart(kind: str, name: str, a: Any, b: Any) -> Difference:
    return Difference(kind, f"{shown(name)} is {shown(a)} on the mock, {shown(b)} on the backend")


def _compare_objects(
    c: Contract, status: int, ours: dict[str, Any], theirs: dict[str, Any]
) -> list[Difference]:
    found = []
    mine, yours = set(ours), set(theirs)
    if mine != yours:
        parts = [_keys(mine - yours, "the mock") if mine - yours else ""]
        parts.append(_keys(yours - mine, "the backend") if yours - mine else "")
        found.append(Difference(SHAPE, "; ".join(p for p in parts if p)))
    created = status == c.success
    if created:
        found += _compare_timestamps(c, ours, theirs)
    per_instance = {*c.id_fields, *c.timestamp_fields} if created else set()
    for key in sorted((mine & yours) - per_instance):
        a, b = ours[key], theirs[key]
        if _type(a) != _type(b):
            found.append(
                Difference(
                    SHAPE, f"{shown(key)} is {_type(a)} on the mock, {_type(b)} on the backend"
                )
            )
        elif a != b:
            # A created contact's values are data; an error body's are its messages' wording.
            found.append(_apart(VALUES if created else TEXTS, key, a, b))
    for key in sorted((mine & yours) & set(c.id_fields)):
        if _type(ours[key]) != _type(theirs[key]):
            found.append(
                Difference(
                    SHAPE,
                    f"{shown(key)} is {_type(ours[key])} on the mock, {_type(theirs[key])} on the backend",
                )
            )
    return found


def _compare_timestamps(
    c: Contract, ours: dict[str, Any], theirs: dict[str, Any]
) -> list[Difference]:
    """Timestamps are per instance, but not what they say: RFC 3339 or not, equal to
    each other or not, and near the other side's (both answered within moments)."""
    found = []
    instants = []
    for name in c.timestamp_fields:
        a, b = ours.get(name), theirs.get(name)
        mine = parse_rfc3339(a) if isinstance(a, str) else None
        yours = parse_rfc3339(b) if isinstance(b, str) else None
        if (mine is None) != (yours is None):
            found.append(_apart(VALUES, name, a, b))
        elif mine is not None and yours is not None:
            instants.append((name, mine, yours))
            apart = abs((mine - yours).total_seconds())
            if apart > CLOCK_TOLERANCE:
                found.append(
                    Difference(
                        VALUES,
                        f"{shown(name)} is {apart:.0f} s from the mock's: {shown(b)} against {shown(a)}",
                    )
                )
    if len(instants) > 1:
        mine_equal = len({m for _, m, _ in instants}) == 1
        yours_equal = len({y for _, _, y in instants}) == 1
        if mine_equal != yours_equal:
            names = " and ".join(shown(name) for name, _, _ in instants)
            where = "the mock" if mine_equal else "the backend"
            found.append(Difference(VALUES, f"{names} are equal on {where} only"))
    return found


def _compare_headers(mock: Response, backend: Response) -> list[Difference]:
    found = []
    for name, media_only in COMPARED_HEADERS.items():
        a, b = mock.headers.get(name), backend.headers.get(name)
        if a is None and b is None:
            continue
        if media_only and a is not None and b is not None:
            a, b = _media_and_charset(a), _media_and_charset(b)
        if name == "www-authenticate" and a is not None and b is not None:
            a, b = a.split()[0].lower(), b.split()[0].lower()  # the scheme is what clients use
        if a == b:
            continue
        if a is None or b is None:
            side = "the mock" if b is None else "the backend"
            found.append(
                Difference(HEADERS, f"only {side} sends {name}: {shown(a if b is None else b)}")
            )
        else:
            found.append(_apart(HEADERS, name, a, b))
    return found


def _media_and_charset(content_type: str) -> str:
    media, parameters = parse_media(content_type)
    charset = parameters.get("charset", "").lower()
    return f"{media}; charset={charset}" if charset else media


def recorded_response(answer: dict[str, Any], body: bytes) -> Response:
    """A response a recorder saw (a proxy recording's `seen.response`) as the suite's."""
    headers = {str(name).lower(): str(value) for name, value in answer.get("headers", [])}
    return Response(int(answer["status"]), headers, body, 0.0)


__all__ = [
    "DESCRIPTIONS",
    "KINDS",
    "Difference",
    "compare",
    "recorded_response",
]
