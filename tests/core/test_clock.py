"""utc_now, which formats the date and time once a second, writes what datetime would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contacts_core import clock
from contacts_core.clock import utc_now


def test_utc_now_is_rfc_3339_with_microseconds_in_utc() -> None:
    before = datetime.now(UTC)
    written = utc_now()
    after = datetime.now(UTC)
    assert len(written) == len("2026-01-15T10:30:00.123456Z")
    assert written.endswith("Z")
    assert before <= datetime.fromisoformat(written) <= after


@pytest.mark.parametrize(
    "nanoseconds",
    [0, 999, 1_000, 999_999_999, 1_767_225_599_999_999_999, 1_767_225_600_000_000_001],
)
def test_utc_now_matches_datetime_formatting(
    monkeypatch: pytest.MonkeyPatch, nanoseconds: int
) -> None:
    monkeypatch.setattr(clock.time, "time_ns", lambda: nanoseconds)
    expected = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=nanoseconds // 1000)
    assert utc_now() == expected.isoformat(timespec="microseconds").replace("+00:00", "Z")
