"""--record FILE: every exchange of the operation as one JSON line, never a key.

The request part of a line is a case (a label, where it came from, the method and path,
the content type, the body, the credential as a role or kind); the upstream's answer and
the checks it broke stand beside it. The format is `exchange.schema.json`, shipped in
this package. The file is bounded: once a line would take it past its size limit,
recording stops and says so in the log, once.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from importlib import resources
from pathlib import Path
from typing import IO, Any

from contract_tests.proxy.live import LiveAnswer, LiveRequest, Violation
from mock_server.asgi import Body

logger = logging.getLogger("contract_tests.proxy")

SOURCE = "proxy"
SCHEMA = "exchange.schema.json"


def schema() -> dict[str, Any]:
    """The JSON Schema of one line of a recording."""
    text = resources.files(__package__).joinpath(SCHEMA).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _body(body: Body) -> dict[str, Any]:
    """A body as JSON: UTF-8 text as it is, any other bytes in base64."""
    try:
        encoded = {"body": body.data.decode("utf-8"), "body_encoding": "text"}
    except UnicodeDecodeError:
        encoded = {"body": base64.b64encode(body.data).decode("ascii"), "body_encoding": "base64"}
    return encoded if body.complete else {**encoded, "body_truncated": True}


def _time(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + f".{int(at % 1 * 1e6):06d}Z"


def line(
    request: LiveRequest,
    answer: LiveAnswer | None,
    violations: list[Violation],
    error: str | None = None,
) -> dict[str, Any]:
    """One exchange as a line of the recording: the case, then what became of it."""
    response = None
    if answer is not None:
        response = {
            "status": answer.status,
            "headers": [[n.decode("latin-1"), v.decode("latin-1")] for n, v in answer.headers],
            **_body(answer.body),
        }
    return {
        "label": f"{request.method} {request.path} at {_time(request.at)}",
        "source": SOURCE,
        "method": request.method,
        "path": request.target,
        "content_type": request.content_type,
        **_body(request.body),
        "credential": request.credential.name,
        "time": _time(request.at),
        "response": response,
        "error": error,
        "violations": [{"check": v.check, "message": v.message} for v in violations],
    }


class Recording:
    """Appends lines to a file until it reaches `max_bytes`."""

    def __init__(self, path: Path, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.stream: IO[bytes] | None = path.open("ab")
        self.size = self.stream.tell()

    def write(self, entry: dict[str, Any]) -> None:
        if self.stream is None:
            return
        data = (_one_line(json.dumps(entry, ensure_ascii=False)) + "\n").encode("utf-8")
        if self.size + len(data) > self.max_bytes:
            logger.warning(
                "recording stopped: %s would pass its limit of %d bytes", self.path, self.max_bytes
            )
            self.close()
            return
        self.stream.write(data)
        self.stream.flush()  # a line at a time, so that `tail -f` and a reader see whole lines
        self.size += len(data)

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None


# Characters JSON leaves unescaped in strings but that readers split lines on
# (str.splitlines, JavaScript's line terminators): escaped, a recorded line stays one line.
_LINE_BREAKS = str.maketrans({c: f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"})


def _one_line(text: str) -> str:
    return text.translate(_LINE_BREAKS)
