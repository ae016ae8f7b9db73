"""How fast is the contract suite, and what does a time budget cost it? Beside `st run`.

For the correct mock and for every fault of its catalogue (`contacts-mock --fault NAME`),
starts one mock process on a free loopback port and runs against it, one after another:

- `contacts-contract` with all three keys: the default run (300 examples per phase);
- the same with `--max-time 10`;
- Schemathesis' own `st run`: the same spec, the same examples budget and seed, every
  Schemathesis check (`--checks all`), the staff key.

A fault counts as caught by contacts-contract when its JUnit report fails the fault's
check (or, for a fault the contract allows, raises its warning); by `st run` when it
exits non-zero (it finds a failure of any kind). On the correct mock both must pass.
Prints one line per target, then the catch rates and the median wall times. Nothing is
asserted: the figures go in bench/README.md.

First, in this process against the embedded mock, per phase of a default run started as
the command line starts one (`contract_tests.run`, in this fresh process), then of a
default run and a `--max-time` run of an engine on a mock already up: the seconds from
the phase's start to its first request, its requests per second, the run's input
coverage and the fixed examples' own wall time (`--phases-only` stops there).

    python bench/contract_speed.py [--faults NAME,NAME] [--max-time 10] [--max-examples N]
                                   [--phases-only]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract_tests.config import Config  # noqa: E402
from contract_tests.engine import Engine, run  # noqa: E402
from contract_tests.events import Event, PhaseStarted, RequestJudged  # noqa: E402
from contract_tests.model import Keys  # noqa: E402
from mock_server import faults  # noqa: E402
from mock_server.embedded import EmbeddedMock  # noqa: E402
from mock_server.settings import Settings  # noqa: E402
from tests.support.processes import running_mock  # noqa: E402

SPEC = ROOT / "spec" / "openapi.yaml"
BIN = Path(sys.executable).parent
KEYS = ["--token", "staff-token", "--admin-token", "admin-token", "--non-staff-token", "user-token"]
CORRECT = "(correct mock)"


@dataclass
class Tally:
    """One way of running the suite: what it caught, its false alarms, its wall times."""

    name: str
    caught: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    false_alarm: bool = False
    walls: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Runs that ended with no report, and why."""
    coverage: set[str] = field(default_factory=set)
    """The input coverage figures its runs reported (covered/cells)."""


def timed(command: Sequence[str], cwd: Path) -> tuple[float, int, str]:
    """The command's wall time, exit status and the last line of its stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_CONTRACT_")}
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    last = (result.stderr.strip().splitlines() or [""])[-1]
    return time.perf_counter() - started, result.returncode, last


def flagged(junit: Path, name: str) -> bool:
    """The JUnit report fails this check, or notes (or fails) this warning."""
    for case in ET.parse(junit).getroot().iter("testcase"):
        if case.get("name") == name:
            return case.find("failure") is not None or case.find("system-out") is not None
    return False


def input_coverage(junit: Path) -> str:
    """The run's input coverage, as its JUnit report gives it."""
    for prop in ET.parse(junit).getroot().iter("property"):
        if prop.get("name") == "input_coverage":
            return prop.get("value") or "?"
    return "?"


def junit_clean(junit: Path) -> bool:
    cases = list(ET.parse(junit).getroot().iter("testcase"))
    return all(c.find("failure") is None and c.find("system-out") is None for c in cases)


def phase_speeds(max_examples: int, seed: int, max_time: float | None, cold: bool) -> None:
    """One run in this process against the embedded mock; per phase, the seconds from its
    start to its first request, from the run's start to that request (a phase starts
    when the fixed examples are done, sooner or later), and its requests per second.
    `cold`: as the command line starts a run (`contract_tests.run`: the drawers start
    before the mock); else an engine on a mock already up, in a process whose drawers
    may already run."""
    started: dict[str, float] = {}
    first: dict[str, float] = {}

    def progress(event: Event) -> None:
        now = time.monotonic()
        if isinstance(event, PhaseStarted):
            started[event.phase] = now
        elif isinstance(event, RequestJudged) and event.phase not in first:
            first[event.phase] = now - started[event.phase]

    if cold:
        began = time.monotonic()
        outcome = run(Config(max_examples=max_examples, seed=seed, max_time=max_time), progress)
    else:
        with EmbeddedMock(Settings(port=0)) as mock:
            config = Config(
                base_url=mock.url,
                token="staff-token",
                max_examples=max_examples,
                seed=seed,
                max_time=max_time,
            )
            keys = Keys("staff-token", mock.key("admin"), mock.key("user"))
            began = time.monotonic()
            outcome = Engine(config, mock.url, keys, progress=progress).run()
    wall = time.monotonic() - began
    title = "default run" if max_time is None else f"--max-time {max_time:g}"
    title += ", run() in a fresh process" if cold else ", an engine on a running mock"
    coverage = outcome.coverage
    covered = f"{coverage.covered}/{len(coverage.rows)}" if coverage else "n/a"
    print(f"{title}: {wall:.1f} s, input coverage {covered}")
    print(
        f"  {'phase':<24} {'requests':>8} {'seconds':>8} {'first req s':>11} {'from run s':>10}"
        f" {'req/s':>7}"
    )
    for name, record in outcome.phases.items():
        rate = record.requests / record.seconds if record.seconds else 0.0
        to_first = f"{first[name]:.2f}" if name in first else "-"
        from_run = f"{started[name] + first[name] - began:.2f}" if name in first else "-"
        print(
            f"  {name:<24} {record.requests:>8} {record.seconds:>8.2f} {to_first:>11}"
            f" {from_run:>10} {rate:>7.1f}"
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", help="a comma-separated subset of the catalogue")
    parser.add_argument("--max-time", type=float, default=10.0)
    parser.add_argument("--max-examples", type=int, default=Config().max_examples)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--phases-only", action="store_true")
    args = parser.parse_args(argv)
    # First as the command line starts a run, in this fresh process; then the engine
    # alone on a mock already up, twice.
    phase_speeds(args.max_examples, int(args.seed), None, cold=True)
    for max_time in (None, args.max_time):
        phase_speeds(args.max_examples, int(args.seed), max_time, cold=False)
    if args.phases_only:
        return
    names = args.faults.split(",") if args.faults else list(faults.catalogue())
    n, seed, budget = str(args.max_examples), args.seed, f"{args.max_time:g}"
    default = Tally("contacts-contract (default run)")
    bounded = Tally(f"contacts-contract --max-time {budget}")
    st = Tally("st run --checks all")
    print(f"{len(names)} faults and the correct mock; max examples {n}, seed {seed}, "
          f"{os.cpu_count()} CPUs", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)  # st run writes a .schemathesis directory where it runs
        junit = cwd / "junit.xml"
        for name in [CORRECT, *names]:
            fault = None if name == CORRECT else faults.get(name)
            with running_mock(*(["--fault", name] if fault else [])) as mock:
                url = mock.base_url
                contract = [
                    str(BIN / "contacts-contract"), "--base-url", url, *KEYS,
                    "--max-examples", n, "--seed", seed, "--junit-xml", str(junit),
                ]  # fmt: skip
                runs = [
                    (default, contract),
                    (bounded, [*contract, "--max-time", budget]),
                    (
                        st,
                        [
                            str(BIN / "st"), "run", str(SPEC), "--url", url,
                            "-H", "Authorization: Token staff-token",
                            "--checks", "all", "--max-examples", n, "--seed", seed,
                        ],
                    ),
                ]  # fmt: skip
                line = [f"{name:<26}"]
                for tally, command in runs:
                    junit.unlink(missing_ok=True)
                    wall, code, last = timed(command, cwd)
                    ours = tally is not st
                    if ours and not junit.exists():  # no verdict at all: say why
                        tally.errors.append(f"{name}: exit {code}: {last}")
                        line.append(f"{'NO VERDICT':>11} {wall:5.1f} s")
                        continue
                    if fault is None:
                        clean = code == 0 and (not ours or junit_clean(junit))
                        tally.false_alarm = tally.false_alarm or not clean
                        verdict = "pass" if clean else "FALSE ALARM"
                    else:
                        tally.walls.append(wall)
                        hit = flagged(junit, fault.caught_by) if ours else code != 0
                        (tally.caught if hit else tally.missed).append(name)
                        verdict = "caught" if hit else "MISSED"
                    if ours:
                        tally.coverage.add(input_coverage(junit))
                    line.append(f"{verdict:>11} {wall:5.1f} s")
                print("  ".join(line), flush=True)
    print()
    print(
        f"{'run':<36} {'caught':>8} {'rate':>6} {'false alarm':>12} {'median s':>9} "
        f"{'total s':>8}  input coverage"
    )
    for tally in (default, bounded, st):
        total = len(tally.caught) + len(tally.missed)
        rate = len(tally.caught) / total if total else 0.0
        median = statistics.median(tally.walls) if tally.walls else 0.0
        covered = ", ".join(sorted(tally.coverage)) or "not measured"
        print(
            f"{tally.name:<36} {len(tally.caught):>3}/{total:<4} {rate:>6.0%} "
            f"{'yes' if tally.false_alarm else 'no':>12} {median:>9.1f} {sum(tally.walls):>8.0f}"
            f"  {covered}"
        )
    for tally in (default, bounded, st):
        if tally.missed:
            print(f"{tally.name} missed: {', '.join(tally.missed)}")
        for error in tally.errors:
            print(f"{tally.name}, no verdict: {error}")
    ratio = statistics.median(bounded.walls) / statistics.median(default.walls)
    print(f"\n--max-time {budget} / default run, median wall time: {ratio:.2f}")


if __name__ == "__main__":
    main()
