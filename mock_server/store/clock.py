"""The time the stores write: RFC 3339 in UTC, as Django REST Framework writes it."""

from __future__ import annotations

import time

_second: tuple[int, str] = (-1, "")


def utc_now() -> str:
    """The current time as RFC 3339 in UTC with microseconds, as Django REST Framework writes it."""
    global _second
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    if _second[0] != seconds:
        # Formatting the date and time is the slow part; it changes once a second.
        _second = (seconds, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)))
    return f"{_second[1]}.{nanoseconds // 1000:06d}Z"
