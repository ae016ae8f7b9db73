"""An interrupted run still reports: on SIGINT (Ctrl-C) or SIGTERM (a CI job's timeout)
the suite stops within a couple of seconds, even with a request in flight, and writes
what it found: the console summary marked as interrupted, the JUnit and report files,
the cases, and the seed to replay it; the same under the pytest plugin. So does a run
whose backend stops answering mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

from contract_tests.checks import CHECKS
from tests.support.processes import MockProcess, running_mock

pytestmark = [pytest.mark.process, pytest.mark.slow]

# Slow enough that a default run is far from done when the signal comes.
LATENCY_MS = "40"
SEED = "20261202"
# The run must stop within this long of the signal (a request in flight is abandoned).
STOPS_WITHIN_S = 5.0
# The fixed examples are about 125 requests.
FIXED_AND_SOME = 200


@pytest.fixture(scope="module")
def slow_faulty_mock() -> Iterator[MockProcess]:
    # Lowercases emails: the fixed examples' mixed-case address already shows it.
    with running_mock("--latency", LATENCY_MS, "--fault", "email-lowercased") as mock:
        yield mock


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_CONTRACT_")}


@contextmanager
def running(command: list[str], **options: Any) -> Iterator[subprocess.Popen[str]]:
    """The command running for the block, its output read as text, without the caller's
    own CONTACTS_CONTRACT_ settings; killed afterwards if it is still running."""
    run = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env(),
        **options,
    )  # fmt: skip
    try:
        yield run
    finally:
        stop_run(run)


def wait_for_requests(mock: MockProcess, count: int, timeout: float = 120) -> None:
    """Until a fresh mock's journal holds `count` requests."""
    journal = f"{mock.base_url}/__mock__/requests"
    deadline = time.monotonic() + timeout
    while len(httpx.get(journal, timeout=10).json()) < count:
        assert time.monotonic() < deadline, f"fewer than {count} requests in {timeout} s"
        time.sleep(0.2)


def wait_for_line(process: subprocess.Popen[str], text: str, timeout: float = 120) -> None:
    """Read the process's stderr until a line holds `text`."""
    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if text in line:
            return
        if not line and process.poll() is not None:
            raise AssertionError(f"the run ended before {text!r}")
    raise AssertionError(f"no {text!r} within {timeout} s")


def stop_run(run: subprocess.Popen[str]) -> None:
    if run.poll() is None:
        run.kill()
        run.wait()


def interrupt(
    run: subprocess.Popen[str], sig: signal.Signals, group: bool = False
) -> tuple[str, str, float]:
    """Send the signal (to the run's whole process group: what a terminal's Ctrl-C
    does); the run's stdout, stderr and the seconds it took to end."""
    if group:
        os.killpg(run.pid, sig)
    else:
        run.send_signal(sig)
    signalled = time.monotonic()
    out, err = run.communicate(timeout=60)
    return out, err, time.monotonic() - signalled


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_run_leaves_the_summary_reports_cases_and_seed(
    slow_faulty_mock: MockProcess, tmp_path: Path, sig: signal.Signals, status: int
) -> None:
    junit, report, saved = tmp_path / "junit.xml", tmp_path / "report.md", tmp_path / "cases"
    command = [
        sys.executable, "-m", "contract_tests", "--base-url", slow_faulty_mock.base_url,
        "--token", "staff-token", "--seed", SEED, "--junit-xml", str(junit),
        "--report", str(report), "--save-cases", str(saved),
    ]  # fmt: skip
    with running(command) as run:
        wait_for_line(run, "fixed examples:")
        time.sleep(1.0)  # well into the generated phases
        out, err, took = interrupt(run, sig)
    assert run.returncode == status, err
    assert took < STOPS_WITHIN_S, f"{took:.1f} s after {sig.name}"
    assert f"interrupted ({sig.name}) after" in err
    summary = out.strip().splitlines()
    assert summary[-1].startswith("Cases: ")
    assert summary[-2].startswith("interrupted after ")
    assert "so far the contract is broken" in summary[-2]
    assert f"Replay: contacts-contract --base-url {slow_faulty_mock.base_url} --seed {SEED}" in out
    assert "FAILED   echo" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["seed"] == SEED
    echo = next(case for case in suite.iter("testcase") if case.get("name") == "echo")
    assert echo.find("failure") is not None
    text = report.read_text()
    assert "interrupted after" in text
    assert f"by {sig.name}" in text
    assert (saved / "echo.jsonl").read_text().strip()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_plugin_interrupted_writes_its_report_and_junit(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """SIGTERM (a CI job's timeout) as Ctrl-C: the report is written, every contract test
    says what its check found until then, and pytest's JUnit holds them, marked."""
    report, junit = tmp_path / "report.md", tmp_path / "junit.xml"
    with running_mock("--latency", LATENCY_MS, "--fault", "email-lowercased") as mock:
        command = [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs",
            "contract_tests", "--base-url", mock.base_url, "--token", "staff-token",
            "--seed", SEED, "--report", str(report), "--junit-xml", str(junit),
        ]  # fmt: skip
        with running(command, cwd=tmp_path) as run:
            # pytest says nothing until the suite has run: the mock's journal tells when
            # the fixed examples (which meet the fault) are done.
            wait_for_requests(mock, FIXED_AND_SOME)
            out, _, took = interrupt(run, sig)
    assert run.returncode == 2, out[-2000:]  # pytest's own status for an interrupted session
    assert took < STOPS_WITHIN_S, f"{took:.1f} s after {sig.name}"
    assert f"Interrupted: contacts-contract interrupted ({sig.name}) after" in out
    assert "FAILED test_contract.py::test_contract[echo]" in out
    text = report.read_text()
    assert "interrupted after" in text
    assert f"by {sig.name}" in text
    assert "`echo`" in text
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("tests") == str(len(CHECKS))
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["interrupted"].startswith(f"by {sig.name} after ")


def test_an_interrupted_comparison_reports_what_it_compared(
    slow_faulty_mock: MockProcess, tmp_path: Path
) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.md"
    httpx.delete(f"{slow_faulty_mock.base_url}/__mock__/requests", timeout=10)
    command = [
        sys.executable, "-m", "contract_tests", "compare",
        "--base-url", slow_faulty_mock.base_url, "--token", "staff-token", "--seed", SEED,
        "--max-examples", "2000", "--junit-xml", str(junit), "--report", str(report),
    ]  # fmt: skip
    with running(command) as run:
        # The fixed examples (which meet the fault) are done: the backend's journal says so.
        wait_for_requests(slow_faulty_mock, FIXED_AND_SOME)
        out, err, took = interrupt(run, signal.SIGTERM)
    assert run.returncode == 143, err
    assert took < STOPS_WITHIN_S, f"{took:.1f} s after SIGTERM"
    assert "interrupted (SIGTERM) after" in err
    assert "interrupted after " in out
    assert "answered differently (differences by kind: values" in out
    text = report.read_text()
    assert "by SIGTERM after" in text
    assert '"email"' in text  # the lowercased address, as the backend answered it
    assert ET.parse(junit).getroot().find("testsuite") is not None


def _stat(pid: int) -> tuple[str, int] | None:
    """A process's state and parent, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    return state, int(ppid)


def drawers_of(pid: int) -> list[int]:
    """The drawing processes a process has started, still running."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (_stat(int(entry.name)) or ("", 0))[1] == pid:
            with suppress(OSError):
                if b"contract_tests.drawing" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def still_running(pids: list[int]) -> list[int]:
    # Zombies left out: a container's first process may never reap what it inherits.
    return [pid for pid in pids if (_stat(pid) or ("Z", 0))[0] != "Z"]


def test_ctrl_c_in_a_terminal_stops_the_run_and_its_drawers(
    slow_faulty_mock: MockProcess, tmp_path: Path
) -> None:
    """Ctrl-C reaches the terminal's whole foreground process group. The run reports as
    for SIGINT alone, nothing prints a traceback, and no drawing process outlives it."""
    command = [
        sys.executable, "-m", "contract_tests", "--base-url", slow_faulty_mock.base_url,
        "--token", "staff-token", "--seed", SEED,
    ]  # fmt: skip
    with running(command, start_new_session=True) as run:
        wait_for_line(run, "fixed examples:")
        time.sleep(1.0)  # well into the generated phases
        drawers = drawers_of(run.pid)
        assert drawers, "the run draws in no process of its own"
        out, err, took = interrupt(run, signal.SIGINT, group=True)
    assert run.returncode == 130, err
    assert took < STOPS_WITHIN_S, f"{took:.1f} s after Ctrl-C"
    assert "Traceback" not in err, err
    assert "interrupted (SIGINT) after" in err
    assert "interrupted after " in out
    deadline = time.monotonic() + 10
    while still_running(drawers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert still_running(drawers) == []


@pytest.mark.parametrize(
    ("fault", "status", "verdict"),
    [
        ("email-lowercased", 1, "so far the contract is broken"),
        ("", 3, "so far the contract holds"),
    ],
)
def test_a_backend_that_stops_answering_mid_run_leaves_the_reports(
    tmp_path: Path, fault: str, status: int, verdict: str
) -> None:
    junit, report, saved = tmp_path / "junit.xml", tmp_path / "report.md", tmp_path / "cases"
    faults = ("--fault", fault) if fault else ()
    with running_mock("--latency", LATENCY_MS, *faults) as mock:
        command = [
            sys.executable, "-m", "contract_tests", "--base-url", mock.base_url,
            "--token", "staff-token", "--seed", SEED, "--junit-xml", str(junit),
            "--report", str(report), "--save-cases", str(saved),
        ]  # fmt: skip
        with running(command) as run:
            wait_for_line(run, "fixed examples:")
            mock.process.kill()  # the backend crashes mid-run
            out, err = run.communicate(timeout=60)
    assert run.returncode == status, f"stdout:\n{out[-3000:]}\nstderr:\n{err[-3000:]}"
    assert "Traceback" not in err
    assert "stopped answering" in err
    summary = out.strip().splitlines()
    assert any(line.startswith("the target stopped answering after ") for line in summary)
    assert any(verdict in line for line in summary)
    assert "Target lost: after" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.get("errors") == "1"
    cut_short = next(case for case in suite.iter("testcase") if case.get("name") == "run")
    error = cut_short.find("error")
    assert error is not None
    assert "stopped answering" in error.get("message", "")
    echo = next(case for case in suite.iter("testcase") if case.get("name") == "echo")
    assert (echo.find("failure") is not None) == bool(fault)
    assert "the target stopped answering after" in report.read_text()
    if fault:
        assert (saved / "echo.jsonl").read_text().strip()
