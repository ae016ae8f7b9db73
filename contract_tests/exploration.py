"""The Hypothesis wiring of a generated phase: a strategy of probes becomes one Hypothesis
test that sends each, runs the checks and raises when one fails. Hypothesis then shrinks
every distinct failure (a distinct set of failing checks) to a minimal request.

A phase stops cleanly when its share of the time budget is spent (`TimeUp`) or the run
is stopped (`Stopped`): both are BaseExceptions, so that Hypothesis stops at once instead
of taking them for a failing example; what was found by then is kept, the smallest
failing request of each distinct failure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from contract_tests.model import Failure, Probe


class CheckFailed(Exception):
    """Raised into Hypothesis when a check fails; one subclass per check (see `failure_type`),
    so that Hypothesis tells failures of different checks apart and shrinks each."""

    check = ""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{self.check}: {failure.message}")
        self.failure = failure


@cache
def failure_type(check: str) -> type[CheckFailed]:
    return type(f"CheckFailed[{check}]", (CheckFailed,), {"check": check})


class TimeUp(BaseException):
    """A phase's share of the time budget is spent."""


class Stopped(BaseException):
    """The run is stopping (interrupted, or another phase lost the target)."""


def _flatten(error: BaseException, flaky: bool = False) -> Iterator[tuple[CheckFailed, bool]]:
    if isinstance(error, CheckFailed):
        yield error, flaky
    elif isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _flatten(inner, flaky or isinstance(error, FlakyFailure))


Attempt = Callable[[Probe], list[Failure]]


@dataclass
class Explored:
    """What a phase found: `failures` to keep, and whether it ran out of time."""

    failures: list[Failure] = field(default_factory=list)
    out_of_time: bool = False


def explore(
    strategy: st.SearchStrategy[Probe],
    attempt: Attempt,
    *,
    max_examples: int,
    seed_value: int,
    until: float = math.inf,
) -> Explored:
    """Run the strategy's probes through `attempt` (send one, return its failures) until
    Hypothesis is done or `until` (monotonic time) passes. Raises Stopped, and whatever
    `attempt` raises that is not a failure (a lost target)."""
    # Per distinct failure, its smallest failing request: what is kept when the time
    # budget stops the phase before Hypothesis has shrunk.
    smallest: dict[tuple[str, str, str, str], Failure] = {}

    def test(probe: Probe) -> None:
        if time.monotonic() >= until:
            raise TimeUp()
        failures = attempt(probe)
        for failure in failures:
            kind = (failure.check, *failure.kind)
            known = smallest.get(kind)
            if known is None or failure.size < known.size:
                smallest[kind] = failure
        if failures:
            raise ExceptionGroup("checks failed", [failure_type(f.check)(f) for f in failures])

    wrapped = given(strategy)(test)
    wrapped = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        report_multiple_bugs=True,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )(wrapped)
    wrapped = seed(seed_value)(wrapped)
    try:
        wrapped()
    except TimeUp:
        for failure in smallest.values():
            failure.cut_short = True
        return Explored(list(smallest.values()), out_of_time=True)
    except Exception as error:
        found = list(_flatten(error))
        if not found:
            raise
        for failed, flaky in found:
            failed.failure.minimal = True
            failed.failure.flaky = flaky
        return Explored([failed.failure for failed, _ in found])
    return Explored()
