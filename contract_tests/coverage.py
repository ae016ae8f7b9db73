"""Input coverage: the contract's input space as a table of cells, read from the spec, and
which of them a run exercised.

A cell is one kind of input the contract speaks of: a field under one of its
constraints (its type, its length bounds in characters and in UTF-8 bytes, its pattern
or format, null, left out), a form of the request the contract accepts (media-type
parameters, letter case, whitespace, the header name's case, the heading path, the
document's own example), a limit (the body size at, under and over it), a place and kind
of credential, and each status code a client can provoke. A cell is exercised when a
request of that kind was sent with a known expectation, judged like the oracle judges:
from the bytes sent, whichever phase made them, so a generated request counts too.

The fixed examples cover every cell by themselves (`tests/suite/test_coverage.py`), so
no budget and no re-weighting of the generators can leave a kind of input unsent.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from contacts_core.media import parse as parse_media
from contacts_core.tokens import PLACES
from contract_tests.checks import Call
from contract_tests.contract import Contract, Field
from contract_tests.model import (
    ADMIN,
    MISPLACED,
    NO_HEADER,
    NO_KEY,
    NON_STAFF,
    NOTHING,
    OTHER_SCHEME,
    SPACES,
    TOKEN,
    UNAUTHENTICATED,
    UNKNOWN_KEY,
    Keys,
)
from contract_tests.payloads import javascript_literal

# The statuses a client provokes (a 5xx is never asked for).
_CLIENT_CODES = range(200, 500)
# "Just under" a size limit: within this many bytes of it.
_NEAR = 64


@dataclass(frozen=True)
class Cell:
    family: str
    name: str

    def __str__(self) -> str:
        return f"{self.family}: {self.name}"


# --- the table ------------------------------------------------------------------------------


def _field_cells(f: Field) -> list[Cell]:
    family = f"field {f.name}"
    names = ["valid", "wrong type", "null", "missing" if f.required else "left out"]
    names += [
        f"at its maximum length ({f.max_length} characters)",
        f"just under its maximum length ({f.max_length - 1} characters)",
        f"one over its maximum length ({f.max_length + 1} characters)",
    ]
    if not f.is_email:
        names.append(f"at its maximum length in multi-byte characters (over {f.max_length} bytes)")
    if f.min_length:
        names.append(f"at its minimum length ({f.min_length})")
        names.append(f"under its minimum length ({f.min_length - 1})")
    if "pattern" in f.schema and not f.is_email:
        names.append("refused by its pattern")
    if f.is_email:
        names += ["a valid address", "not an address", "empty"]
    return [Cell(family, name) for name in names]


def _media_cells() -> list[Cell]:
    return [
        Cell("media type", name)
        for name in (
            "as the spec names it",
            "with charset=utf-8",
            "with charset=UTF-8",
            "in other letter case",
            "with whitespace around its parameters",
            "under a header name in lower case",
            "another media type",
            "no Content-Type",
        )
    ]


def table(c: Contract, keys: Keys) -> tuple[Cell, ...]:
    """Every cell of the contract's input space, for a run with these keys."""
    cells = [cell for f in c.fields.values() for cell in _field_cells(f)]
    cells += [Cell("body", f"the spec's example {name!r}") for name in c.operation.request_examples]
    cells += [
        Cell("body", name)
        for name in (
            "the document's example as written (a JavaScript literal)",
            "an unknown property",
            "JSON that is not an object",
            "not JSON",
        )
    ]
    cells += _media_cells()
    limit = c.max_body_bytes
    cells += [
        Cell("limit", f"a valid body of exactly {limit} bytes"),
        Cell("limit", f"a valid body just under {limit} bytes"),
        Cell("limit", f"a body over {limit} bytes"),
    ]
    cells += [Cell("path", "the spec's path")]
    if c.heading_path != c.path:
        cells.append(Cell("path", "the document's heading path"))
    cells += [Cell("method", _refused(m)) for m in c.operation.refused_methods]
    kinds = [TOKEN, *(k for k in (ADMIN, NON_STAFF) if k in keys.by_kind()), *UNAUTHENTICATED]
    cells += [Cell("credential", _CREDENTIALS[kind]) for kind in kinds]
    cells += [Cell("credential", f"a valid key {p.description}") for p in PLACES.values()]
    codes = [code for code in c.statuses if code in _CLIENT_CODES]
    if NON_STAFF not in keys.by_kind():
        codes = [code for code in codes if code != 403]
    cells += [Cell("status", f"{code} expected") for code in codes]
    return tuple(cells)


_CREDENTIALS = {
    TOKEN: "a key the spec allows",
    ADMIN: "an admin key",
    NON_STAFF: "a key without the permission",
    NO_HEADER: "no Authorization header",
    OTHER_SCHEME: "another scheme than Token",
    NO_KEY: "Token with no key",
    UNKNOWN_KEY: "an unknown key",
    SPACES: "a key with a space in it",
    "look-alike": "a key that resembles a valid one",
}


# --- what a call exercised -------------------------------------------------------------------


def _chars(value: Any) -> int:
    return len(value) if isinstance(value, str) else -1


def _field_hits(f: Field, call: Call) -> list[str]:
    verdict, body = call.verdict, call.verdict.body
    if not isinstance(body, dict):
        return []
    valid = verdict.valid is True
    alone = verdict.valid is False and verdict.fields == {f.name}
    hits = []
    if f.name not in body:
        if f.required and alone:
            hits.append("missing")
        elif not f.required and valid:
            hits.append("left out")
        return hits
    value = body[f.name]
    size = _chars(value)
    if valid:
        hits.append("valid")
        if size == f.max_length:
            hits.append(f"at its maximum length ({f.max_length} characters)")
            if len(value.encode("utf-8")) > f.max_length:
                hits.append(
                    f"at its maximum length in multi-byte characters (over {f.max_length} bytes)"
                )
        if size == f.max_length - 1:
            hits.append(f"just under its maximum length ({f.max_length - 1} characters)")
        if f.min_length and size == f.min_length:
            hits.append(f"at its minimum length ({f.min_length})")
        if f.is_email:
            hits.append("empty" if value == "" else "a valid address")
    elif alone:
        if value is None:
            hits.append("null")
        elif not isinstance(value, str):
            hits.append("wrong type")
        elif size == f.max_length + 1:
            hits.append(f"one over its maximum length ({f.max_length + 1} characters)")
        elif f.min_length and size == f.min_length - 1:
            hits.append(f"under its minimum length ({f.min_length - 1})")
        elif f.min_length <= size <= f.max_length:
            hits.append("not an address" if f.is_email else "refused by its pattern")
    return hits


def _media_hits(call: Call) -> list[str]:
    c = call.contract
    names = [name for name, _ in call.request.headers if name.lower() == "content-type"]
    sent = call.request.header("Content-Type")
    if sent is None:
        return ["no Content-Type"]
    if not c.operation.accepts_media(sent):
        return ["another media type"]
    hits = []
    media, params = parse_media(sent)
    if sent in c.operation.media_types:
        hits.append("as the spec names it")
    if params.get("charset") == "utf-8":
        hits.append("with charset=utf-8")
    if params.get("charset") == "UTF-8":
        hits.append("with charset=UTF-8")
    if sent.split(";")[0].strip() != media:
        hits.append("in other letter case")
    if " ;" in sent or sent != sent.strip():
        hits.append("with whitespace around its parameters")
    if names and names[0] == names[0].lower():
        hits.append("under a header name in lower case")
    return hits


def _body_hits(call: Call) -> list[str]:
    c, verdict, raw = call.contract, call.verdict, call.request.body
    hits = []
    for name, example in c.operation.request_examples.items():
        if verdict.body is not NOTHING and verdict.body == example:
            hits.append(f"the spec's example {name!r}")
    document = c.operation.request_examples.get("document")
    if document is not None and raw == javascript_literal(document):
        hits.append("the document's example as written (a JavaScript literal)")
    if verdict.valid is False:
        if isinstance(verdict.body, dict) and set(verdict.body) - set(c.fields):
            hits.append("an unknown property")
        elif verdict.body is not NOTHING and not isinstance(verdict.body, dict):
            hits.append("JSON that is not an object")
        elif verdict.body is NOTHING and verdict.expected == {400}:
            hits.append("not JSON")
    return hits


def _limit_hits(call: Call) -> list[str]:
    limit, size = call.contract.max_body_bytes, len(call.request.body)
    if size > limit:
        return [f"a body over {limit} bytes"]
    if call.verdict.valid is not True:
        return []
    if size == limit:
        return [f"a valid body of exactly {limit} bytes"]
    if limit - _NEAR <= size < limit:
        return [f"a valid body just under {limit} bytes"]
    return []


def _credential_hits(call: Call) -> list[str]:
    kind = call.credential.kind
    if kind == MISPLACED and call.credential.placed is not None:
        return [f"a valid key {call.credential.placed[0].description}"]
    return [_CREDENTIALS[kind]] if kind in _CREDENTIALS else []


def expected_status(call: Call) -> int | None:
    """The status the contract gives this call, when it gives exactly one."""
    kind, verdict = call.credential.kind, call.verdict
    if verdict.expected == {413}:
        return 413
    if kind in UNAUTHENTICATED or kind == MISPLACED:
        return 401
    if kind == NON_STAFF:
        return 403
    if len(verdict.expected) == 1:
        return next(iter(verdict.expected))
    return None


def _refused(method: str) -> str:
    return f"{method} (405 expected)"


def exercised(call: Call) -> set[Cell]:
    """The cells one call exercised."""
    if call.other_method:
        return {Cell("method", _refused(call.request.method))}
    if call.outside_contract:
        # The heading path was sent and judged, by the warning about it: a backend that
        # redirects it has not left the gate short of input.
        return {Cell("path", "the document's heading path")}
    if call.verdict.valid is None:
        return set()
    hits = {Cell("credential", name) for name in _credential_hits(call)}
    hits |= {Cell("limit", name) for name in _limit_hits(call)}
    on_heading = call.on_heading_path
    hits.add(Cell("path", "the document's heading path" if on_heading else "the spec's path"))
    code = expected_status(call)
    if code is not None:
        hits.add(Cell("status", f"{code} expected"))
    if call.credential.kind in (TOKEN, ADMIN) and not on_heading:
        hits |= {Cell("media type", name) for name in _media_hits(call)}
        hits |= {Cell("body", name) for name in _body_hits(call)}
        for f in call.contract.fields.values():
            hits |= {Cell(f"field {f.name}", name) for name in _field_hits(f, call)}
    return hits


class Coverage:
    """Which cells of the table the calls of a run exercised. Thread-safe."""

    def __init__(self, c: Contract, keys: Keys) -> None:
        self.cells = table(c, keys)
        self.hits: Counter[Cell] = Counter()
        self._lock = threading.Lock()

    def observe(self, call: Call) -> None:
        found = exercised(call)
        with self._lock:
            self.hits.update(found)

    def summary(self) -> CoverageSummary:
        with self._lock:
            return CoverageSummary(
                tuple((cell, self.hits[cell]) for cell in self.cells),
            )


@dataclass(frozen=True)
class CoverageSummary:
    """Every cell and how many calls exercised it."""

    rows: tuple[tuple[Cell, int], ...]

    @property
    def missed(self) -> tuple[Cell, ...]:
        return tuple(cell for cell, count in self.rows if not count)

    @property
    def covered(self) -> int:
        return sum(1 for _, count in self.rows if count)

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / len(self.rows) if self.rows else 100.0

    def line(self, shown: int = 5) -> str:
        """One line: "input coverage 187/190 cells (98%); missed: ...", naming at most
        `shown` of the cells missed."""
        total = len(self.rows)
        text = f"input coverage {self.covered}/{total} cells ({self.percent:.0f}%)"
        missed = self.missed
        if not missed:
            return text
        if not shown:
            return f"{text}; {len(missed)} missed"
        names = "; ".join(str(cell) for cell in missed[:shown])
        more = f"; and {len(missed) - shown} more" if len(missed) > shown else ""
        return f"{text}; missed: {names}{more}"
