"""Contract cases: requests kept to be sent again, one JSON object a line (JSON Lines).

The format is described by `case.schema.json`, shipped beside this module, and every
line is checked against it when read. A case holds the request only (never what it
should get, never a key): its credential is a role or a kind of credential. The mock's
recorder and the validating proxy write cases, the contract suite writes its failures as
cases and reads them all back; so the format is the core's, beneath them all.

Limits follow the spec's `x-max-body-bytes`: a case's body holds at most twice as much
(room for a body over the limit, which must get 413), and a line at most two such bodies
in base64 (the request's, and the answer a recorder saw) plus the other fields. A file
is read line by line, bounded, so a hostile file gives one clear error naming the file
and line, and nothing is sent.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, Literal, get_args

from jsonschema_rs import ValidationErrorKind, validator_for

from contacts_core.spec import operation
from contacts_core.tokens import CREDENTIALS, LOOK_ALIKE, hidden

logger = logging.getLogger(__name__)

Source = Literal["failure", "mock", "proxy", "hand-written"]
SOURCES: tuple[str, ...] = get_args(Source)

SCHEMA_FILE = "case.schema.json"
SUFFIX = ".jsonl"
MAX_LABEL = 200
# Everything on a line but the bodies: label, path, content type, names, JSON escapes.
_LINE_OVERHEAD = 16 * 1024
# A file, or everything one load reads, is at most this big.
MAX_FILE_BYTES = 100 * 1024 * 1024
# How much of a file's first line `is_case_file` looks at.
_SNIFF_BYTES = 64 * 1024


def max_body_bytes() -> int:
    """The largest body a case holds: twice the spec's limit, so a body over it fits."""
    return 2 * operation().max_body_bytes


def max_line_bytes() -> int:
    """The longest line: two of the largest bodies in base64 (the request's, and the
    answer's in `seen`), plus the other fields."""
    return 2 * 4 * -(-max_body_bytes() // 3) + _LINE_OVERHEAD


def kept_body(data: bytes, complete: bool = True) -> tuple[bytes, str]:
    """What a recorder keeps of a body (`complete`: `data` is all of it), and its size in
    words for a label: all of it, or the first x-max-body-bytes + 1 bytes of a longer
    one, which is still over the limit, as the request was."""
    kept = data[: operation().max_body_bytes + 1]
    if complete and len(kept) == len(data):
        return kept, f"{len(kept)} bytes"
    return kept, f"its first {len(kept)} bytes"


class CaseError(ValueError):
    """A case that cannot be read or written; the message names the file and line."""


@dataclass(frozen=True)
class Case:
    """One request as sent. `where` is the file and line it was read from ("" if new)."""

    label: str
    source: Source
    method: str
    path: str
    content_type: str | None
    body: bytes
    credential: str
    where: str = field(default="", compare=False)
    seen: dict[str, Any] | None = field(default=None, compare=False)
    """What the recorder saw beside the request (a proxy's recording), as read: never
    sent, never an expectation."""


@cache
def schema() -> dict[str, Any]:
    """The case format's JSON Schema, as shipped in the package."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> Any:
    return validator_for(schema())


def label_from(text: str) -> str:
    """A label from any text: one line, at most MAX_LABEL characters."""
    one_line = " ".join(text.split()) or "case"
    return one_line if len(one_line) <= MAX_LABEL else one_line[: MAX_LABEL - 1] + "…"


def masked(case: Case, keys: Iterable[str]) -> Case:
    """The case with every key replaced by as many asterisks wherever it appears (a body
    or label that holds one by mistake), so that a key is never written; sizes stay."""
    text = f"{case.label}\n{case.content_type}"
    raw_keys = [(key, key.encode("utf-8", "surrogateescape")) for key in keys if key]
    keys = tuple(key for key, raw in raw_keys if raw in case.body or key in text)
    if not keys:
        return case  # the usual case: nothing to hide, no copy
    body = case.body
    for key in keys:
        raw = key.encode("utf-8", "surrogateescape")
        body = body.replace(raw, b"*" * len(raw))
    content_type = hidden(case.content_type, keys) if case.content_type else case.content_type
    return replace(case, label=hidden(case.label, keys), body=body, content_type=content_type)


# --- writing ----------------------------------------------------------------------------


def as_json(case: Case) -> dict[str, Any]:
    """The case as its JSON object, in the schema's order."""
    return {
        "label": case.label,
        "source": case.source,
        "method": case.method,
        "path": case.path,
        "content_type": case.content_type,
        "credential": case.credential,
        **body_json(case.body),
    }


def body_json(body: bytes) -> dict[str, str]:
    """A body as the format holds it: `body`, text, when it is UTF-8 with no control
    characters but tabs and line breaks (which JSON would escape six times longer);
    else `body_base64`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not _CONTROL.search(text):
        return {"body": text}
    return {"body_base64": base64.b64encode(body).decode("ascii")}


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def dumps(case: Case, seen: dict[str, Any] | None = None) -> str:
    """One line of a case file (without its newline), with what the recorder `seen` if
    given; CaseError if the case breaks the format."""
    value = as_json(case) if seen is None else {**as_json(case), "seen": seen}
    problem = _problem(value) or _body_problem(case.body)
    if problem is not None:
        raise CaseError(f"case {case.label!r}: {problem}")
    return json.dumps(value, ensure_ascii=False).translate(_LINE_BREAKS)


# Characters JSON leaves unescaped in strings but that readers split lines on
# (str.splitlines, JavaScript's line terminators): escaped, a line stays one line.
_LINE_BREAKS = str.maketrans({c: f"\\u{ord(c):04x}" for c in "\x85\u2028\u2029"})


class CaseLog:
    """Appends case lines (from `dumps`) to a file until the next would take it past
    `max_bytes` (at most MAX_FILE_BYTES, what a load reads); then it stops, says so in
    the log once, and the file stays readable. Each line is one write to a file opened
    for appending, so the processes of a mock with several workers can share one file.
    Missing directories are made; raises OSError when the file cannot be opened. `log`:
    the logger of the program that records."""

    def __init__(
        self, path: Path, max_bytes: int = MAX_FILE_BYTES, log: logging.Logger = logger
    ) -> None:
        self.path = path
        self.log = log
        self.max_bytes = min(max_bytes, MAX_FILE_BYTES)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self.full = False

    def add(self, line: str) -> bool:
        """Append one line; False (and nothing written) once the file is full, or once a
        write failed (a full disk): the server that records keeps serving."""
        data = (line + "\n").encode("utf-8")
        if self.full:
            return False
        if os.fstat(self._fd).st_size + len(data) > self.max_bytes:
            self.full = True
            self.log.warning(
                "recording stopped: %s would pass its limit of %d bytes", self.path, self.max_bytes
            )
            return False
        try:
            os.write(self._fd, data)
        except OSError as error:
            self.full = True
            self.log.warning("recording stopped: cannot write %s: %s", self.path, error.strerror)
            return False
        return True

    def close(self) -> None:
        os.close(self._fd)


# --- reading ----------------------------------------------------------------------------


def loads(line: bytes | str, where: str = "<case>") -> Case:
    """One case from one line; CaseError naming `where` when it is not a valid case."""
    raw = line.encode("utf-8") if isinstance(line, str) else line
    if len(raw) > max_line_bytes():
        raise CaseError(f"{where}: {_too_long()}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CaseError(f"{where}: not UTF-8 (byte {error.start + 1})") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        reason = f"{error.msg} (column {error.colno})"
        raise CaseError(f"{where}: not JSON (a cut or broken line?): {reason}") from None
    problem = _problem(value)
    if problem is not None:
        raise CaseError(f"{where}: {problem}")
    body = _body(value)
    if isinstance(body, str):
        raise CaseError(f"{where}: {body}")
    problem = _body_problem(body)
    if problem is not None:
        raise CaseError(f"{where}: {problem}")
    return Case(
        label=value["label"],
        source=value["source"],
        method=value["method"],
        path=value["path"],
        content_type=value["content_type"],
        body=body,
        credential=value["credential"],
        where=where,
        seen=value.get("seen"),
    )


def load_all(paths: Iterable[Path]) -> list[Case]:
    """Every case of these files and directories (each `*.jsonl` file under a directory,
    in name order), at most MAX_FILE_BYTES in all; CaseError naming what is wrong."""
    cases: list[Case] = []
    budget = MAX_FILE_BYTES
    for path in paths:
        for file in _case_files(path):
            for case in _read(file, budget):
                cases.append(case)
            budget -= file.stat().st_size
    return cases


def _case_files(path: Path) -> list[Path]:
    """The case files a path names: itself, or every `*.jsonl` file under a directory."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*" + SUFFIX) if p.is_file())
    if path.exists() and not path.is_file():
        # A device or a pipe (/dev/null, say): there, but nothing to read cases from.
        raise CaseError(f"{path}: not a regular file, nor a folder of case files")
    if not path.is_file():
        raise CaseError(f"{path}: no such file or directory")
    return [path]


def is_case_file(path: Path) -> bool:
    """Whether a `.jsonl` file holds cases: its first line names a source and a credential.

    Unrelated JSON Lines files (logs, data sets) are left alone this way; a case file is
    recognised even when its first line is broken further on, and then read and refused
    with a clear error.
    """
    try:
        with path.open("rb") as stream:
            head = stream.readline(_SNIFF_BYTES)
    except OSError:
        return False
    return all(re.search(rb'"%s"\s*:' % key, head) for key in (b"source", b"credential"))


def _read(path: Path, budget: int) -> Iterator[Case]:
    limit = max_line_bytes()
    try:
        stream: BinaryIO = path.open("rb")
    except OSError as error:
        raise CaseError(f"{path}: cannot read it: {error.strerror}") from None
    with stream:
        size = 0
        for number, line in enumerate(iter(lambda: stream.readline(limit + 1), b""), 1):
            where = f"{path}:{number}"
            size += len(line)
            if size > budget:
                raise CaseError(f"{where}: over {MAX_FILE_BYTES // 2**20} MiB of cases in all")
            if len(line) > limit and not line.endswith(b"\n"):
                raise CaseError(f"{where}: {_too_long()}")
            if line.strip():
                yield loads(line.rstrip(b"\r\n"), where)


def _too_long() -> str:
    return (
        f"the line is over {max_line_bytes()} bytes (a case's body holds at most "
        f"{max_body_bytes()} bytes, twice the spec's x-max-body-bytes)"
    )


_JSON_TYPES = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def _problem(value: Any) -> str | None:
    """The first way a parsed line breaks the schema, in one short line; None if valid."""
    if not isinstance(value, dict):
        return f"not a JSON object but {_JSON_TYPES.get(type(value), 'a number')}"
    for error in _validator().iter_errors(value):
        where = "/".join(str(part) for part in error.instance_path)
        at = f"{where}: " if where else ""
        if isinstance(error.kind, ValidationErrorKind.OneOfNotValid):
            return f"{at}no body: give `body` (text) or `body_base64`"
        if isinstance(error.kind, ValidationErrorKind.OneOfMultipleValid):
            return f"{at}two bodies: give `body` or `body_base64`, not both"
        if isinstance(error.kind, ValidationErrorKind.Enum):
            choices = ", ".join(str(option) for option in error.kind.options)
            message = f"{_short(json.dumps(error.instance))} is not one of {choices}"
        elif where == "credential" and isinstance(error.kind, ValidationErrorKind.AnyOf):
            choices = ", ".join(CREDENTIALS)
            message = (
                f"{_short(json.dumps(error.instance))} is not one of {choices}, "
                f"{LOOK_ALIKE}/<role>/<change>"
            )
        else:
            message = _short(error.message)
        return f"{where}: {message}" if where else message
    return None


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def recorded_body(answer: dict[str, Any]) -> bytes:
    """The body of an answer a recorder saw (`seen.response`); b"" when it kept none."""
    if "body" not in answer and "body_base64" not in answer:
        return b""
    body = _body(answer)
    return body if isinstance(body, bytes) else b""


def _body(value: dict[str, Any]) -> bytes | str:
    """The body's bytes, or why they cannot be had."""
    if "body" in value:
        try:
            return str(value["body"]).encode("utf-8")
        except UnicodeEncodeError:
            return "body: not Unicode text (a lone surrogate); give it as body_base64"
    try:
        return base64.b64decode(value["body_base64"], validate=True)
    except binascii.Error as error:
        return f"body_base64: not valid base64 ({error})"


def _body_problem(body: bytes) -> str | None:
    if len(body) > max_body_bytes():
        return (
            f"the body is {len(body)} bytes; a case holds at most {max_body_bytes()} "
            "(twice the spec's x-max-body-bytes)"
        )
    return None
