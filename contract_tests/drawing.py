"""Where the explored phases' examples are drawn: worker processes.

Hypothesis and Schemathesis spend a generated phase's time drawing and shrinking
examples, pure Python that the GIL serializes: drawn in the run's own process, phases
side by side share one core, however many the machine has. So each explored phase runs
its Hypothesis test in a `Drawer`, a process of its own, and sends each example back to
the run's process over a pipe. The run's process sends it, judges it and answers with
the failures, so the client, the rate limit, the findings and the coverage stay in one
place; a drawer only draws, and shrinks what failed.

A drawer outlives the run that started it. Starting one (an interpreter, Hypothesis,
Schemathesis) and building the strategies takes a second or two of its own core, so
runs reserve drawers before their fixed examples, and later runs in the same process
(the pytest plugin, a test session) take idle ones whose strategies are built. Drawers
are started with "spawn", never fork (the run's process has threads); they are daemon
processes, which end with the process that started them, and one whose pipe closes ends
by itself.

The time budget crosses the pipe as a `time.monotonic()` instant: that clock is one
for every process of the machine.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from hypothesis import strategies as st

from contract_tests import phases
from contract_tests.contract import contract
from contract_tests.exploration import Attempt, Explored, Stopped, explore
from contract_tests.model import Credentials, Keys, Probe

__all__ = ["Drawer", "DrawerFailed", "Job", "Reservation", "reserved"]

# Messages, as tuples whose first item is one of these.
PREPARE, EXPLORE, FAILURES, STOP, QUIT = "prepare", "explore", "failures", "stop", "quit"
PROBE, EXPLORED, STOPPED, ERROR = "probe", "explored", "stopped", "error"


class DrawerFailed(RuntimeError):
    """A drawer raised an error of its own, or ended mid-phase."""


@dataclass(frozen=True)
class Job:
    """One explored phase to draw: its examples for these keys, until `until`."""

    phase: str
    keys: Keys
    max_examples: int
    seed: int
    until: float


class Drawer:
    """One worker process that draws the examples of one phase at a time."""

    def __init__(self) -> None:
        context = _context()
        self._conn, theirs = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(theirs,), name="contacts-contract-drawer", daemon=True
        )
        self.process.start()
        theirs.close()
        self.busy = False

    @property
    def usable(self) -> bool:
        return not self.busy and self.process.is_alive()

    def prepare(self, keys: Keys, names: list[str]) -> None:
        """Start building these phases' strategies for these keys, in this order."""
        self._send((PREPARE, keys, names))

    def explore(self, job: Job, attempt: Attempt) -> Explored:
        """Draw the job's phase; `attempt` sends each example and returns its failures.
        Raises Stopped when the drawer stopped, DrawerFailed when it failed, and whatever
        `attempt` raised (after telling the drawer to stop)."""
        self.busy = True
        self._send((EXPLORE, job))
        raised: BaseException | None = None
        while True:
            kind, *rest = self._receive()
            if kind == PROBE:
                if raised is None:
                    try:
                        self._send((FAILURES, attempt(rest[0])))
                        continue
                    except BaseException as error:
                        raised = error
                self._send((STOP,))
                continue
            self.busy = False
            if raised is not None:
                raise raised
            if kind == EXPLORED:
                found: Explored = rest[0]
                return found
            if kind == STOPPED:
                raise Stopped()
            raise DrawerFailed(f"the drawing of {job.phase!r} failed:\n{rest[0]}")

    def close(self) -> None:
        with contextlib.suppress(DrawerFailed):
            self._send((QUIT,))
        self.process.join(1)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1)
        self._conn.close()

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            self._conn.send(message)
        except OSError as error:
            raise DrawerFailed(self._ended(error)) from None

    def _receive(self) -> tuple[Any, ...]:
        try:
            message: tuple[Any, ...] = self._conn.recv()
        except (EOFError, OSError) as error:
            raise DrawerFailed(self._ended(error)) from None
        return message

    def _ended(self, error: BaseException) -> str:
        self.process.join(0.5)
        return (
            f"the drawing process {self.process.pid} ended"
            f" (exit code {self.process.exitcode}): {type(error).__name__}"
        )


def _context() -> Any:
    """A fork server where there is one: a single-threaded process that imports this
    module once and forks each drawer from itself, so that a drawer starts in
    milliseconds; else "spawn", a fresh interpreter for each."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


_idle: list[Drawer] = []
_idle_lock = threading.Lock()


class Reservation:
    """Drawers being made ready, in a background thread: taking one (or starting one: the
    first in a process starts the fork server, about half a second) and telling it to
    build its strategies is then done while the caller sends its fixed examples."""

    def __init__(self, count: int, keys: Keys, names: list[str]) -> None:
        self._ready: Future[list[Drawer]] = Future()
        threading.Thread(
            target=self._reserve, args=(count, keys, names), name="drawers", daemon=True
        ).start()

    def drawers(self) -> list[Drawer]:
        """The drawers, once ready; raises what starting one raised."""
        return self._ready.result()

    def _reserve(self, count: int, keys: Keys, names: list[str]) -> None:
        with _idle_lock:
            drawers = [_idle.pop() for _ in range(min(count, len(_idle)))]
        try:
            drawers += [Drawer() for _ in range(count - len(drawers))]
            for n, drawer in enumerate(drawers):
                drawer.prepare(keys, names[n:] + names[:n])
        except BaseException as error:
            _release(drawers)
            self._ready.set_exception(error)
        else:
            self._ready.set_result(drawers)

    def release(self) -> None:
        try:
            drawers = self._ready.result()
        except BaseException:
            return
        _release(drawers)


@contextmanager
def reserved(count: int, keys: Keys, names: list[str]) -> Iterator[Reservation]:
    """`count` drawers for the block, idle ones first, each told to build the strategies
    of the phases `names` for `keys`; the n-th starts with the n-th phase, the one it is
    likely to draw first. Afterwards they are idle again."""
    reservation = Reservation(count, keys, names)
    try:
        yield reservation
    finally:
        reservation.release()


def _release(drawers: list[Drawer]) -> None:
    # One still busy (its phase ended in an error on the caller's side) or no longer
    # running is closed instead.
    for drawer in drawers:
        if drawer.usable:
            with _idle_lock:
                _idle.append(drawer)
        else:
            drawer.close()


# --- in the drawer's process ------------------------------------------------------------


class _Strategies:
    """The phases' strategies, built and warmed one at a time in a background thread, for
    the keys last asked for (a run's keys rarely change within a process)."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm")
        self._keys: Keys | None = None
        self._ready: dict[str, Future[st.SearchStrategy[Probe]]] = {}

    def prepare(self, keys: Keys, names: list[str]) -> None:
        if keys != self._keys:
            self._keys, self._ready = keys, {}
        plan = phases.Plan(contract(), Credentials(keys))
        known = {phase.name: phase for phase in phases.EXPLORED}
        for name in names:
            if name in self._ready:
                continue
            if name in known:
                self._ready[name] = self._pool.submit(phases.built_and_warmed, known[name], plan)
            else:  # a phase registered after the drawer's process started
                unknown: Future[st.SearchStrategy[Probe]] = Future()
                self._ready[name] = unknown
                unknown.set_exception(LookupError(f"the drawer knows no phase {name!r}"))

    def get(self, name: str, keys: Keys) -> st.SearchStrategy[Probe]:
        self.prepare(keys, [name])
        return self._ready[name].result()


def _serve(conn: Connection) -> None:
    # Ctrl-C reaches the whole process group: the run's process decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    strategies = _Strategies()
    try:
        while True:
            try:
                kind, *rest = conn.recv()
            except EOFError:
                return
            if kind == QUIT:
                return
            if kind == PREPARE:
                strategies.prepare(*rest)
            elif kind == EXPLORE:
                conn.send(_drawn(conn, strategies, rest[0]))
    except OSError:  # the run's process is gone
        return


def _drawn(conn: Connection, strategies: _Strategies, job: Job) -> tuple[Any, ...]:
    def attempt(probe: Probe) -> Any:
        conn.send((PROBE, probe))
        try:
            kind, *rest = conn.recv()
        except EOFError:
            raise Stopped() from None
        if kind == STOP:
            raise Stopped()
        return rest[0]

    try:
        found = explore(
            strategies.get(job.phase, job.keys),
            attempt,
            max_examples=job.max_examples,
            seed_value=job.seed,
            until=job.until,
        )
    except Stopped:
        return (STOPPED,)
    except Exception:
        return (ERROR, traceback.format_exc())
    return (EXPLORED, found)
