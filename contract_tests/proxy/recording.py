"""--record FILE: every exchange of the operation as one line of a case file, never a key.

A line is the request as a case (`contacts_core.cases`: source `proxy`, the credential a
role or a kind, `masked` for a key whose role the proxy was not told), with what the
proxy saw beside it in `seen`: when the request came, the upstream's answer (status,
headers, body), the error when there was none, and the checks it broke. The suite
replays a recording as it is (`contacts-contract --cases FILE`, or pytest) and ignores
`seen`. The keys given with --token are masked wherever they appear. The file is
bounded (see `contacts_core.cases.CaseLog`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from contacts_core.cases import (
    Case,
    CaseError,
    body_json,
    dumps,
    kept_body,
    label_from,
    masked,
)
from contacts_core.clock import rfc3339
from contacts_core.tokens import hidden
from contract_tests.proxy.live import LiveAnswer, LiveRequest, Violation

logger = logging.getLogger("contract_tests.proxy")


def _answer(answer: LiveAnswer, keys: tuple[str, ...]) -> dict[str, Any]:
    body, _ = kept_body(answer.body.data)
    shown = {
        "status": answer.status,
        "headers": [
            [n.decode("latin-1"), hidden(v.decode("latin-1"), keys)] for n, v in answer.headers
        ],
        **{name: hidden(value, keys) for name, value in body_json(body).items()},
    }
    return shown if answer.body.complete else {**shown, "body_truncated": True}


def line(
    request: LiveRequest,
    answer: LiveAnswer | None,
    violations: list[Violation],
    keys: Iterable[str],
    error: str | None = None,
) -> str | None:
    """One exchange as a line of the recording: the case, then what became of it; None
    when the request cannot be a case (a content type that is not printable ASCII)."""
    keys = tuple(keys)
    body, size = kept_body(request.body.data, request.body.complete)
    case = Case(
        label=label_from(f"{request.credential.name} at {rfc3339(request.at)}, {size}"),
        source="proxy",
        method=request.method,
        path=request.path,
        content_type=request.content_type,
        body=body,
        credential=request.credential.name,
    )
    seen = {
        "time": rfc3339(request.at),
        "response": _answer(answer, keys) if answer is not None else None,
        "error": error,
        "violations": [{"check": v.check, "message": v.message} for v in violations],
    }
    try:
        return dumps(masked(case, keys), seen)
    except CaseError as problem:
        logger.warning("exchange not recorded: %s", problem)
        return None
