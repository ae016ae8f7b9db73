"""Request bodies as bytes, built by hand: the helpers the fixed examples and the
strategies share (a body as JSON, with a field set or left out, malformed in a named way,
under another content type), and the text real users type. No Hypothesis here."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from contract_tests.model import Payload


def repeat(unit: str, length: int) -> str:
    """A string of exactly `length` characters: cheap to generate at any size, and it
    shrinks to a short unit."""
    return (unit * (length // len(unit) + 1))[:length]


def long_email(length: int) -> str:
    """A plain address of exactly `length` characters: a short local part and a long host
    name of 63-character labels, so that no validator's part limits are passed."""
    local, tld = "John.Doe", "example"
    room = length - len(local) - 1 - len(tld)
    labels = []
    while room > 1:
        size = min(63, room - 1)
        labels.append(repeat("a", size))
        room -= size + 1
    host = ".".join([*labels, tld])
    return repeat("x", room) + local + "@" + host if room > 0 else f"{local}@{host}"


# What real users type, and what backends quietly normalize, escape, strip or reformat:
# the echo check then sees any change. One tuple per family, each sample valid text.
TYPED_TEXT: dict[str, tuple[str, ...]] = {
    # The same letters composed and decomposed: NFC and NFD differ, and so does a
    # singleton such as the Angstrom sign, which NFC replaces.
    "normalization forms": (
        "Zoe\u0308",
        "Jose\u0301 Mari\u0301a",
        "A\u030angstro\u0308m",
        "\u1112\u1161\u11ab\u1100\u1173\u11af",
        "Zoë",
        "\u212b",
        "ﬁnance",
    ),
    "combining marks": ("a\u0300\u0301\u0302", "Z\u0351\u0352a\u0353l\u0354go", "q\u0323\u0307"),
    "outside the BMP": (
        "🎉",
        "\U0001d49c\U0001d4b7\U0001d4b8",
        "𠜎𠜱",
        "👨\u200d👩\u200d👧",
        "🇫🇷",
        "x🎉y",
    ),
    "bidi controls": (
        "\u202eevil\u202c.txt",
        "\u200f\u05e9\u05dc\u05d5\u05dd\u200f",
        "مرحبا بالعالم",
        "\u2066isolated\u2069",
        "left\u200e",
    ),
    "zero-width": ("a\u200bb", "zero\u200cwidth", "join\u200dme", "word\u2060joiner", "x\ufeffbom"),
    "markup": ("<script>alert(1)</script>", "Tom & Jerry", "&amp; &lt;", "<b>bold</b>", '"quoted"'),
    "sql": (
        "O'Neil",
        "' OR '1'='1",
        "Robert'); DROP TABLE contacts;--",
        "100%_done",
        "back\\slash",
    ),
    "line breaks": ("a\r\nb", "a\rb", "a\nb", "a\u2028b", "a\u2029b", "a\x85b", "a\x0bb\x0cc"),
    "numbers kept as text": (
        "007",
        "0042",
        "1,000",
        "1.000,50",
        "+44 (0)20 7946 0958",
        "1e3",
        "0x1F",
        "٠١٢٣",
        "\uff11\uff12\uff13",
        "-0",
    ),
}


def as_json(body: Any, ascii_only: bool = False) -> bytes:
    return json.dumps(body, ensure_ascii=ascii_only).encode("utf-8")


def json_type(value: Any) -> str:
    """The JSON name of a value's type."""
    if value is None:
        return "null"
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}
    return names.get(type(value), "object")


def with_field(body: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    return {**body, name: value}


def without_field(body: dict[str, Any], name: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != name}


def javascript_literal(body: dict[str, Any]) -> bytes:
    """The vendor document's mistake: an object literal with unquoted keys."""
    return ("{" + ", ".join(f"{k}: {json.dumps(v)}" for k, v in body.items()) + "}").encode()


def malformed(body: dict[str, Any], how: str, cut: int) -> bytes:
    text = as_json(body)
    match how:
        case "truncated":
            return text[: 1 + cut % (len(text) - 1)]
        case "javascript":
            return javascript_literal(body)
        case "single quotes":
            return text.replace(b'"', b"'")
        case "trailing comma":
            return text[:-1] + b",}"
        case "NaN":
            return text[:-1] + b', "x": NaN}'
        case "not UTF-8":
            return text[:-1] + b', "x": "\xff\xfe"}'
        case "comment":
            return b"// contact\n" + text
        case "empty":
            return b""
    return b" \n"


MALFORMED = (
    "truncated",
    "javascript",
    "single quotes",
    "trailing comma",
    "NaN",
    "not UTF-8",
    "comment",
    "empty",
    "whitespace",
)
WRONG_CONTENT_TYPES = (
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    None,
)


def wrong_content_type(body: dict[str, Any], content_type: str | None) -> Payload:
    raw = as_json(body)
    if content_type == "application/x-www-form-urlencoded":
        raw = urlencode(body).encode()  # what an HTML form would send
    return Payload(raw, content_type, f"content type {content_type or '(none)'}")
