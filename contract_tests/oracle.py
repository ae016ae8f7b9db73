"""What the spec says a request must get, judged from the bytes actually sent.

A request is judged the same way whichever strategy made it: a Schemathesis "negative"
body that happens to be valid is valid, and must be created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from contract_tests.contract import JSON, Contract
from contract_tests.strategies import Payload


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


NOTHING = object()


@dataclass(frozen=True)
class Verdict:
    """`valid`: True when the spec accepts the body, False when it rejects it, None when
    the spec leaves it open (then only conformance is checked). `expected`: the statuses
    a rejection may use. `body`: the parsed JSON, or NOTHING."""

    valid: bool | None
    expected: frozenset[int]
    reason: str
    body: Any = NOTHING


def judge(payload: Payload, contract: Contract) -> Verdict:
    raw = payload.body
    if len(raw) > contract.max_body_bytes:
        return Verdict(False, frozenset({413}), f"the body is over {contract.max_body_bytes} bytes")
    media = (payload.content_type or "").split(";")[0].strip().lower()
    if media != JSON:
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
        return Verdict(False, frozenset({400}), "; ".join(errors[:3]), body)
    question = contract.open_question(body)
    if question is not None:
        return Verdict(None, frozenset(), question, body)
    return Verdict(True, frozenset({contract.success}), "valid", body)
