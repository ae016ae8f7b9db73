"""Where the explored phases' examples are drawn: worker processes.

Hypothesis and Schemathesis spend a generated phase's time drawing and shrinking
examples, pure Python that the GIL serializes: drawn in the run's own process, phases
side by side share one core, however many the machine has. So each explored phase runs
its Hypothesis test in a `Drawer`, a process of its own, and sends each example back to
the run's process. The run's process sends it, judges it and answers with the failures,
so the client, the rate limit, the findings and the coverage stay in one place; a drawer
only draws, and shrinks what failed.

A drawer is a fresh interpreter running `main` below: it imports only what drawing
needs (never the caller's main module: a script without a main guard works as well as
the command line), and reads and writes pickles on its standard input and output. It is in a session of its own, so that a terminal's Ctrl-C reaches only the run,
which decides what stops; it ends when its input closes, so with the run's process
whatever way that ends.

Starting one and building the strategies takes about a second of its own core, so a run
starts its drawers before its target (`start`), reserves them in the background while it
sends its fixed examples, and later runs in the same process (the pytest plugin, a test
session) take idle ones whose strategies are built.

The time budget crosses as a `time.monotonic()` instant: that clock is one for every
process of the machine.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from hypothesis import strategies as st

from contacts_core.spec import load_spec, supply_spec
from contract_tests import phases
from contract_tests.contract import contract
from contract_tests.exploration import Attempt, Explored, Stopped, explore
from contract_tests.model import Credentials, Keys, Probe

__all__ = ["Drawer", "DrawerFailed", "Job", "Reservation", "reserved", "start"]

# Messages, as tuples whose first item is one of these.
PREPARE, EXPLORE, FAILURES, STOP = "prepare", "explore", "failures", "stop"
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


class Channel:
    """Messages as pickles, one after another on a pair of byte streams."""

    def __init__(self, reader: IO[bytes], writer: IO[bytes]) -> None:
        self._reader, self._writer = reader, writer

    def send(self, message: tuple[Any, ...]) -> None:
        pickle.dump(message, self._writer, pickle.HIGHEST_PROTOCOL)
        self._writer.flush()

    def receive(self) -> tuple[Any, ...]:
        """The next message; EOFError when the other side has closed."""
        message: tuple[Any, ...] = pickle.load(self._reader)
        return message


class Drawer:
    """One worker process that draws the examples of one phase at a time."""

    def __init__(self) -> None:
        # The child imports the same contract_tests as this process, wherever it is.
        root = str(Path(__file__).resolve().parent.parent)
        path = os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])])
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import main; main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
            start_new_session=True,
        )
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        self._channel = Channel(stdout, stdin)
        self.busy = False

    @property
    def usable(self) -> bool:
        return not self.busy and self.process.poll() is None

    def prepare(self, keys: Keys, names: list[str]) -> None:
        """Start building these phases' strategies for these keys, in this order."""
        self._send((PREPARE, load_spec(), keys, names))

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
        """End the process: its input closed, then SIGKILL if it has not ended in 1 s."""
        for stream in (self.process.stdin, self.process.stdout):
            with suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        try:
            self.process.wait(1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            self._channel.send(message)
        except OSError as error:
            raise DrawerFailed(self._ended(error)) from None

    def _receive(self) -> tuple[Any, ...]:
        try:
            return self._channel.receive()
        except (EOFError, OSError) as error:
            raise DrawerFailed(self._ended(error)) from None

    def _ended(self, error: BaseException) -> str:
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(0.5)
        return (
            f"the drawing process {self.process.pid} ended"
            f" (exit code {self.process.returncode}): {type(error).__name__}"
        )


_idle: list[Drawer] = []
_idle_lock = threading.Lock()


def start(count: int) -> None:
    """At least `count` idle drawers, their processes starting now: called before a run's
    target is up, so that the interpreters have started by the run's explored phases."""
    with _idle_lock:
        _idle.extend(Drawer() for _ in range(count - len(_idle)))


class Reservation:
    """Drawers being made ready, in a background thread: taking one (or starting one,
    about a second) and telling it to build its strategies is then done while the caller
    sends its fixed examples."""

    def __init__(self, count: int, keys: Keys, names: list[str]) -> None:
        self._ready: Future[list[Drawer]] = Future()
        threading.Thread(
            target=self._reserve, args=(count, keys, names), name="drawers", daemon=True
        ).start()

    def drawers(self) -> list[Drawer]:
        """The drawers, once ready; raises what starting one raised."""
        return self._ready.result()

    def _reserve(self, count: int, keys: Keys, names: list[str]) -> None:
        drawers: list[Drawer] = []
        with _idle_lock:
            while _idle and len(drawers) < count:
                drawer = _idle.pop()
                if drawer.usable:
                    drawers.append(drawer)
                else:  # ended while idle
                    drawer.close()
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
    the keys last asked for (a run's keys rarely change within a process).

    `drawing` is held by whatever runs Hypothesis: a warm or a phase. Never two at once:
    Hypothesis describes lambdas with `ast.parse`, which CPython 3.11 does not make safe
    across threads (a SystemError, "AST constructor recursion depth mismatch", that
    Hypothesis then reports as inconsistent data generation). A warm therefore waits for
    the phase being drawn to end, and a phase for the warm under way."""

    def __init__(self) -> None:
        self.drawing = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warm")
        self._keys: Keys | None = None
        self._ready: dict[str, Future[st.SearchStrategy[Probe]]] = {}

    def prepare(self, keys: Keys, names: list[str]) -> None:
        if keys != self._keys:
            self._keys, self._ready = keys, {}
        missing = [name for name in names if name not in self._ready]
        if not missing:
            return  # every later job of a run: nothing to build
        plan = phases.Plan(contract(), Credentials(keys))
        known = {phase.name: phase for phase in phases.EXPLORED}
        for name in missing:
            if name in known:
                self._ready[name] = self._pool.submit(self._warmed, known[name], plan)
            else:  # a phase registered after the drawer's process started
                unknown: Future[st.SearchStrategy[Probe]] = Future()
                self._ready[name] = unknown
                unknown.set_exception(LookupError(f"the drawer knows no phase {name!r}"))

    def _warmed(self, phase: phases.ExploredPhase, plan: phases.Plan) -> st.SearchStrategy[Probe]:
        with self.drawing:
            return phases.built_and_warmed(phase, plan)

    def get(self, name: str, keys: Keys) -> st.SearchStrategy[Probe]:
        self.prepare(keys, [name])
        return self._ready[name].result()


def main() -> None:
    """A drawer's process: messages in on standard input, answers out on standard output.
    Standard output is kept for the answers: whatever else prints goes to stderr."""
    reader = os.fdopen(os.dup(0), "rb")
    writer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    with open(os.devnull, "rb") as nothing:
        os.dup2(nothing.fileno(), 0)
    _serve(Channel(reader, writer))


def _serve(channel: Channel) -> None:
    strategies = _Strategies()
    try:
        while True:
            try:
                kind, *rest = channel.receive()
            except EOFError:
                return
            if kind == PREPARE:
                spec, keys, names = rest
                supply_spec(spec)
                strategies.prepare(keys, names)
            elif kind == EXPLORE:
                channel.send(_drawn(channel, strategies, rest[0]))
    except OSError:  # the run's process is gone
        return


def _drawn(channel: Channel, strategies: _Strategies, job: Job) -> tuple[Any, ...]:
    def attempt(probe: Probe) -> Any:
        channel.send((PROBE, probe))
        try:
            kind, *rest = channel.receive()
        except EOFError:
            raise Stopped() from None
        if kind == STOP:
            raise Stopped()
        return rest[0]

    try:
        strategy = strategies.get(job.phase, job.keys)
        with strategies.drawing:
            found = explore(
                strategy,
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
