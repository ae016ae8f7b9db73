"""--record FILE: every exchange of the operation as one line of a case file, never a key.

A line is the request as a case (`mock_server.cases`: source `proxy`, the credential a
role or a kind, `masked` for a key whose role the proxy was not told), with what the
proxy saw beside it in `seen`: when the request came, the upstream's answer (status,
headers, body), the error when there was none, and the checks it broke. The suite
replays a recording as it is (`contacts-contract --cases FILE`, or pytest) and ignores
`seen`. The keys given with --token are masked wherever they appear. The file is
bounded (see `mock_server.cases.CaseLog`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from contract_tests.proxy.live import LiveAnswer, LiveRequest, Violation
from mock_server.cases import (
    Case,
    CaseError,
    body_json,
    dumps,
    hidden,
    kept_body,
    label_from,
    masked,
)

logger = logging.getLogger("contract_tests.proxy")


def _time(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1e6):06d}Z"


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
        label=label_from(f"{request.credential.name} at {_time(request.at)}, {size}"),
        source="proxy",
        method=request.method,
        path=request.path,
        content_type=request.content_type,
        body=body,
        credential=request.credential.name,
    )
    seen = {
        "time": _time(request.at),
        "response": _answer(answer, keys) if answer is not None else None,
        "error": error,
        "violations": [{"check": v.check, "message": v.message} for v in violations],
    }
    try:
        return dumps(masked(case, keys), seen)
    except CaseError as problem:
        logger.warning("exchange not recorded: %s", problem)
        return None
