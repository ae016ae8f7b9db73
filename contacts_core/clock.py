"""Time as the toolkit writes and reads it: RFC 3339 in UTC, as Django REST Framework
writes it. One formatter for every timestamp (contacts, journals, recordings, reports)."""

from __future__ import annotations

import re
import time
from datetime import datetime

_second: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """The current time as RFC 3339 in UTC with microseconds, as Django REST Framework writes it."""
    global _second
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    if _second[0] != seconds:
        # Formatting the date and time is the slow part; it changes once a second.
        _second = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return f"{_second[1]}.{nanoseconds // 1000:06d}Z"


def rfc3339(at: float, digits: int = 6) -> str:
    """A Unix time as RFC 3339 in UTC, with `digits` of the second's fraction (0: none)."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at))
    if not digits:
        return whole + "Z"
    fraction = int(at % 1 * 10**digits)
    return f"{whole}.{fraction:0{digits}d}Z"


# RFC 3339's date-time (section 5.6): a time zone is required.
RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)


def parse_rfc3339(value: str) -> datetime | None:
    """The instant an RFC 3339 date-time names, or None when it is not one (or has no zone)."""
    match = RFC3339.match(value)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = (fraction or ".0")[1:7].ljust(6, "0")
    offset = "+00:00" if zone in ("Z", "z") else zone
    # A leap second (:60) is valid RFC 3339; datetime cannot hold it.
    second = "59" if second == "60" else second
    text = f"{year}-{month}-{day}T{hour}:{minute}:{second}.{micro}{offset}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None
