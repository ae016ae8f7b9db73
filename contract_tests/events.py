"""What a run tells its progress display as it goes: typed events, in the order they
happen. The engine sends them; the command line draws them (contract_tests.cli)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class PhaseStarted:
    phase: str


@dataclass(frozen=True)
class RequestJudged:
    """One more request of a phase was sent and judged; `count`: the phase's so far."""

    phase: str
    count: int


@dataclass(frozen=True)
class PhaseFinished:
    phase: str
    count: int
    seconds: float


Event = PhaseStarted | RequestJudged | PhaseFinished
Progress = Callable[[Event], None]


def quiet(event: Event) -> None:
    """A progress display that shows nothing (library use, the pytest plugin)."""
