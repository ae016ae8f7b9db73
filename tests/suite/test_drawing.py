"""A drawer draws an explored phase's examples in a process of its own: each comes back to
the caller to be sent and judged, what failed is shrunk there, and every way a phase can
end (done, out of time, stopped, the target lost, the drawer killed) ends it cleanly."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests import drawing
from contract_tests.drawing import DrawerFailed, Job
from contract_tests.exploration import Stopped
from contract_tests.http import Request, TargetLost
from contract_tests.model import Failure, Keys, Probe

pytestmark = pytest.mark.process

KEYS = Keys("staff-token", "admin-token", "user-token")
PHASE = "valid bodies"
SEED = 20260115


def job(examples: int = 15, until: float = math.inf, phase: str = PHASE) -> Job:
    return Job(phase, KEYS, examples, SEED, until)


def failure_of(probe: Probe) -> Failure:
    request = Request("POST", "http://127.0.0.1:1/api/contacts/", (), probe.payload.body)
    return Failure("echo", "too long", request, None, probe.payload.label, "staff", PHASE, False)


@pytest.fixture
def drawer() -> Iterator[drawing.Drawer]:
    with drawing.reserved(1, KEYS, [PHASE]) as reservation:
        yield reservation.drawers()[0]


def test_each_example_comes_back_to_be_sent(drawer: drawing.Drawer) -> None:
    sent: list[Probe] = []

    def attempt(probe: Probe) -> list[Failure]:
        sent.append(probe)
        return []

    found = drawer.explore(job(examples=15), attempt)
    assert found.failures == []
    assert not found.out_of_time
    assert 1 <= len(sent) <= 15
    assert {p.credential.header for p in sent} == {"Token staff-token"}
    assert drawer.usable


def test_a_failing_example_comes_back_shrunk(drawer: drawing.Drawer) -> None:
    failing: list[int] = []

    def attempt(probe: Probe) -> list[Failure]:
        if len(probe.payload.body) <= 40:
            return []
        failing.append(len(probe.payload.body))
        return [failure_of(probe)]

    found = drawer.explore(job(examples=40), attempt)
    (failure,) = found.failures
    assert failure.minimal
    assert 40 < failure.size < max(failing)


def test_a_spent_budget_sends_nothing(drawer: drawing.Drawer) -> None:
    sent: list[Probe] = []
    found = drawer.explore(job(until=time.monotonic() - 1), lambda p: sent.append(p) or [])
    assert found.out_of_time
    assert sent == []


def test_what_the_caller_raises_stops_the_phase_and_the_drawer_draws_again(
    drawer: drawing.Drawer,
) -> None:
    sent: list[Probe] = []

    def losing(probe: Probe) -> list[Failure]:
        sent.append(probe)
        if len(sent) == 3:
            raise TargetLost("gone")
        return []

    with pytest.raises(TargetLost):
        drawer.explore(job(), losing)
    assert len(sent) == 3

    def stopping(probe: Probe) -> list[Failure]:
        raise Stopped()

    with pytest.raises(Stopped):
        drawer.explore(job(), stopping)
    assert drawer.usable
    assert drawer.explore(job(examples=5), lambda p: []).failures == []


def test_an_unknown_phase_is_named_and_the_drawer_stays(drawer: drawing.Drawer) -> None:
    with pytest.raises(DrawerFailed, match="no phase 'no such phase'"):
        drawer.explore(job(phase="no such phase"), lambda p: [])
    assert drawer.usable


def test_a_drawer_killed_mid_phase_is_an_error_not_a_hang() -> None:
    with drawing.reserved(1, KEYS, [PHASE]) as reservation:
        (drawer,) = reservation.drawers()
        pid = drawer.process.pid
        assert pid is not None
        assert pid != os.getpid()

        def kill(probe: Probe) -> list[Failure]:
            os.kill(pid, signal.SIGKILL)
            return []

        with pytest.raises(DrawerFailed, match=rf"process {pid} ended \(exit code -9\)"):
            drawer.explore(job(), kill)
    with drawing.reserved(1, KEYS, [PHASE]) as reservation:
        (other,) = reservation.drawers()
        assert other.process.pid != pid
        assert other.explore(job(examples=3), lambda p: []).failures == []


def test_a_released_drawer_is_taken_again() -> None:
    with drawing.reserved(1, KEYS, [PHASE]) as reservation:
        (first,) = reservation.drawers()
        first.explore(job(examples=3), lambda p: [])
    with drawing.reserved(1, KEYS, [PHASE]) as reservation:
        (again,) = reservation.drawers()
        assert again is first
        assert again.explore(job(examples=3), lambda p: []).failures == []


SCRIPT = """
from contract_tests import Config, run

outcome = run(Config(max_examples=3, seed=1))
print("contract holds:", outcome.ok, sum(p.requests for p in outcome.phases.values()))
"""


@pytest.mark.slow
@pytest.mark.parametrize("how", ["file", "stdin"])
def test_a_script_without_a_main_guard_runs_the_suite(tmp_path: Path, how: str) -> None:
    """A drawer never imports the caller's main module: a script with no
    `if __name__ == "__main__"` guard, even one read from standard input, runs once."""
    script = tmp_path / "gate.py"
    script.write_text(SCRIPT)
    argv = [sys.executable, str(script)] if how == "file" else [sys.executable, "-"]
    done = subprocess.run(
        argv, input=SCRIPT if how == "stdin" else None, capture_output=True, text=True,
        timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr == ""
    (line,) = done.stdout.splitlines()
    assert line.startswith("contract holds: True ")
    assert int(line.split()[-1]) > 175  # the fixed examples and the generated phases


def test_an_idle_drawer_that_ended_is_replaced() -> None:
    with drawing.reserved(1, KEYS, [PHASE]) as reservation:
        (ended,) = reservation.drawers()
    ended.process.kill()
    ended.process.wait()
    with drawing.reserved(1, KEYS, [PHASE]) as reservation:
        (other,) = reservation.drawers()
        assert other is not ended
        assert other.explore(job(examples=3), lambda p: []).failures == []


def test_a_phase_being_drawn_holds_off_the_warming_of_the_others() -> None:
    # Hypothesis in two threads of one process can fail: CPython 3.11's ast.parse, which
    # Hypothesis uses to describe lambdas, is not thread-safe. The strategies the drawer
    # builds in the background wait for the phase being drawn, and the phase for them.
    strategies = drawing._Strategies()
    warmed: list[str] = []
    with strategies.drawing:  # as `_drawn` holds it while a phase is drawn
        strategies.prepare(KEYS, [PHASE])
        waiting = threading.Thread(target=lambda: warmed.append(repr(strategies.get(PHASE, KEYS))))
        waiting.start()
        waiting.join(timeout=1.0)
        assert waiting.is_alive(), "the strategy was warmed while a phase was being drawn"
    waiting.join(timeout=30)
    assert not waiting.is_alive()
    assert len(warmed) == 1
