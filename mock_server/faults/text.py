"""Text a backend quietly changes on its way to the database: what users type comes back
different. Each is caught by the echo check."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from mock_server.faults.registry import contact_fault

ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
LEADING_ZEROS = re.compile(r"0+[0-9]+")


def _stored(
    contact: dict[str, Any], sent: dict[str, Any], change: Callable[[str], str]
) -> dict[str, Any]:
    """The contact with every sent string changed as the faulty backend stores it."""
    return {k: change(v) if isinstance(v, str) and k in sent else v for k, v in contact.items()}


@contact_fault(
    "nfc-normalized", "text is stored NFC-normalized: decomposed accents come back composed", "echo"
)
def nfc_normalized(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return _stored(contact, sent, lambda v: unicodedata.normalize("NFC", v))


@contact_fault("html-escaped", "text is stored HTML-escaped (< becomes &lt;)", "echo")
def html_escaped(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return _stored(contact, sent, html.escape)


@contact_fault(
    "sql-quotes-doubled",
    "quotes are escaped by hand before a parameterised query: O'Neil is stored as O''Neil",
    "echo",
)
def sql_quotes_doubled(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return _stored(contact, sent, lambda v: v.replace("'", "''"))


@contact_fault(
    "zero-width-stripped",
    "zero-width characters (joiners, spaces, BOM) are stripped from text",
    "echo",
)
def zero_width_stripped(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return _stored(contact, sent, lambda v: ZERO_WIDTH.sub("", v))


@contact_fault("crlf-to-lf", "line breaks are normalized: CRLF and CR become LF", "echo")
def crlf_to_lf(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return _stored(contact, sent, lambda v: v.replace("\r\n", "\n").replace("\r", "\n"))


@contact_fault(
    "non-bmp-truncated",
    "text is cut at its first character outside the BMP (MySQL's 3-byte utf8)",
    "echo",
)
def non_bmp_truncated(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    def cut(value: str) -> str:
        return next((value[:i] for i, c in enumerate(value) if ord(c) > 0xFFFF), value)

    return _stored(contact, sent, cut)


@contact_fault(
    "leading-zeros-stripped",
    "digit strings are stored as numbers: leading zeros are lost (007 becomes 7)",
    "echo",
)
def leading_zeros_stripped(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    return _stored(contact, sent, lambda v: str(int(v)) if LEADING_ZEROS.fullmatch(v) else v)
