"""What the spec says a request must get, judged from the bytes actually sent.

A request is judged the same way whichever strategy made it: a Schemathesis "negative"
body that happens to be valid is valid, and must be created.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from contract_tests.contract import JSON, Contract
from contract_tests.model import Payload, Verdict


class _Duplicate(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _Duplicate("repeated property names")
    return dict(pairs)


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON spells a character outside the BMP as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _invisible(char: str) -> bool:
    """Characters a reader cannot see or tell apart: controls, format characters (zero
    width, bidi), combining marks, separators other than the plain space."""
    category = unicodedata.category(char)
    return category[0] in "CM" or category in ("Zl", "Zp") or (category == "Zs" and char != " ")


def shown(value: Any, limit: int = 80, ascii_only: bool = False) -> str:
    """A value as JSON, as the wire has it (`true`, `null`), invisible characters escaped
    (`"a\\u200bb"`), cut to `limit` characters."""
    try:
        text = json.dumps(value, ensure_ascii=ascii_only)
    except (TypeError, ValueError):
        text = str(value)
    text = "".join(_escape(c) if _invisible(c) else c for c in text)
    return text if len(text) <= limit else text[:limit] + "…"


def shown_apart(a: Any, b: Any) -> tuple[str, str]:
    """Two values that differ, shown so that the difference is visible: escaped to ASCII
    when they would look the same (a composed and a decomposed accent, say)."""
    first, second = shown(a), shown(b)
    if unicodedata.normalize("NFKC", first) == unicodedata.normalize("NFKC", second):
        return shown(a, ascii_only=True), shown(b, ascii_only=True)
    return first, second


def judge(payload: Payload, contract: Contract) -> Verdict:
    raw = payload.body
    if len(raw) > contract.max_body_bytes:
        return Verdict(False, frozenset({413}), f"the body is over {contract.max_body_bytes} bytes")
    if not contract.operation.accepts_media(payload.content_type):
        if not raw:
            # No body and no content type: "no body" (400) and "not JSON" (415) both fit.
            return Verdict(False, frozenset({400, 415}), "no body and no content type")
        return Verdict(False, frozenset({415}), f"the content type is not {JSON}")
    if raw.startswith(b"\xef\xbb\xbf"):
        return Verdict(None, frozenset(), "a UTF-8 byte order mark, which JSON parsers may skip")
    try:
        body = json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, object_pairs_hook=_no_duplicates
        )
    except _Duplicate:
        return Verdict(None, frozenset(), "repeated property names, which JSON leaves open")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Verdict(False, frozenset({400}), "the body is not JSON")
    if _has_surrogate(body):
        return Verdict(None, frozenset(), "a lone surrogate, which is not Unicode text", body)
    errors = contract.body_errors(body)
    if errors:
        return Verdict(False, frozenset({400}), "; ".join(errors[:3]), body, _wrong(body, contract))
    question = contract.open_question(body)
    if question is not None:
        return Verdict(None, frozenset(), question, body)
    return Verdict(True, frozenset({contract.success}), "valid", body)


def _wrong(body: Any, contract: Contract) -> frozenset[str]:
    if not isinstance(body, dict):
        return frozenset()
    return frozenset(
        f.name
        for f in contract.fields.values()
        if (f.name in body and not f.accepts(body[f.name])) or (f.required and f.name not in body)
    )
