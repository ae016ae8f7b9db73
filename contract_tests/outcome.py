"""What a run found and how it went: the `Outcome` every renderer and exit status reads.

A run passes when no check failed (and, with --warnings-as-errors, no warning was
raised); it could not judge the backend when its set-up diagnosis found the run itself
misconfigured, or when it was interrupted or lost the target before it ended (see
`verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from contract_tests.config import Config
from contract_tests.coverage import CoverageSummary
from contract_tests.findings import Result
from contract_tests.model import FAILED, WARNED, Keys

CASES, FIXED = "cases", "fixed examples"

# How a phase ended.
DONE = "done"
OUT_OF_TIME = "stopped by the time budget"
NO_TIME_LEFT = "not run: no time left"
STOPPED = "stopped"
INTERRUPTED = "interrupted"
LOST = "the target stopped answering"
WHOLE = (CASES, FIXED)
"""The phases that always run whole, whatever the budget."""

# Fewer requests than this in a generated phase explore too little to mean much.
MEANINGFUL_REQUESTS = 30


class Verdict(Enum):
    HOLDS = "the contract holds"
    BROKEN = "the contract is broken"
    NOT_JUDGED = "could not judge the backend"


@dataclass
class PhaseRun:
    """How one phase went: requests sent, seconds taken, the share of a time budget it
    was given (None: no budget), and how it ended."""

    name: str
    requests: int = 0
    seconds: float = 0.0
    budget: float | None = None
    end: str = ""
    started: float = 0.0
    """When it started (time.monotonic())."""

    @property
    def starved(self) -> bool:
        """A generated phase cut short before it sent enough requests to mean much."""
        return (
            self.name not in WHOLE
            and self.end in (OUT_OF_TIME, NO_TIME_LEFT)
            and self.requests < MEANINGFUL_REQUESTS
        )


@dataclass
class Outcome:
    config: Config
    target: str
    embedded: bool
    seed: int
    results: list[Result]
    warnings: list[Result]
    statuses: dict[int, int]
    documented: tuple[int, ...]
    required: tuple[int, ...]
    phases: dict[str, PhaseRun]
    requests: int
    duration: float
    keys: Keys
    unsent: tuple[str, ...] = ()
    """The cases not sent, each with its file and line and why (a key not given)."""
    diagnosis: str | None = None
    """Why the run could not judge the backend (its own set-up is wrong), if it could not."""
    interrupted: str | None = None
    """The signal that stopped the run before it ended (SIGINT, SIGTERM), if one did."""
    lost: str | None = None
    """Why the target stopped answering mid-run, if it did: the run ended there, and what
    ran until then is reported."""
    coverage: CoverageSummary | None = None
    """The input space's cells and how many calls exercised each."""

    @property
    def ok(self) -> bool:
        """The run passes: no check failed (and, with --warnings-as-errors, no warning;
        with --fail-under-coverage, the input coverage is not under it)."""
        return self.verdict is Verdict.HOLDS and not self.under_coverage

    @property
    def under_coverage(self) -> bool:
        """--fail-under-coverage was given and the run's input coverage is under it."""
        wanted = self.config.fail_under_coverage
        return wanted is not None and self.coverage is not None and self.coverage.percent < wanted

    @property
    def verdict(self) -> Verdict:
        if self.diagnosis is not None:
            return Verdict.NOT_JUDGED
        if self.failed or (self.config.warnings_as_errors and self.warned):
            return Verdict.BROKEN
        if self.interrupted is not None or self.lost is not None:
            return Verdict.NOT_JUDGED
        return Verdict.HOLDS

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.state == FAILED]

    @property
    def warned(self) -> list[Result]:
        return [r for r in self.warnings if r.state == WARNED]

    def result(self, name: str) -> Result:
        return next(r for r in [*self.results, *self.warnings] if r.name == name)
