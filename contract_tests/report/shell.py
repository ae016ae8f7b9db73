"""Shell commands that send a request again exactly: curl, with the body as the shell can
carry it."""

from __future__ import annotations

from contract_tests.http import Request
from contract_tests.report.quoting import single_quoted
from contract_tests.report.secrets import Secrets

# A body beyond this is described rather than pasted into the command.
MAX_CURL_BODY = 64 * 1024


def _printable(body: bytes) -> str | None:
    """The body as text when a shell can carry it literally, else None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any((ord(c) < 32 and c not in "\t\n") or c == "\x7f" for c in text):
        return None
    return text


def _printf_format(body: bytes) -> str:
    """The body as a printf format: printable ASCII as is, every other byte as octal."""
    out = []
    for byte in body:
        char = chr(byte)
        if char == "%":
            out.append("%%")
        elif char == "\\":
            out.append("\\\\")
        elif 32 <= byte < 127 and char != "'":
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def curl(request: Request, secrets: Secrets, insecure: bool = False) -> str:
    """A shell command that sends exactly this request."""
    parts = [
        f"curl -sS -i{'k' if insecure else ''} -X {request.method} {single_quoted(request.url)}"
    ]
    has_type = False
    for name, value in request.headers:
        parts.append("-H " + secrets.header(name, value))
        has_type = has_type or name.lower() == "content-type"
    if not has_type:
        parts.append("-H 'Content-Type:'")  # curl would add a form content type otherwise
    body = request.body
    prefix = ""
    if len(body) > MAX_CURL_BODY:
        head = body[:60].decode("utf-8", "replace")
        parts.append(f"--data-binary @body.bin  # {len(body)} bytes, starting {head!r}")
    elif (text := _printable(body)) is not None:
        parts.append("--data-binary " + single_quoted(text))
    else:
        prefix = f"printf '{_printf_format(body)}' | "
        parts.append("--data-binary @-")
    return prefix + " \\\n  ".join(parts)
