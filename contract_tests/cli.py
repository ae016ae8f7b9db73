"""contacts-contract: run the contract suite from the command line, a thin layer over
the engine (contract_tests.engine) and the report (contract_tests.report).

`contacts-contract proxy ...` runs the validating proxy instead (contract_tests.proxy.cli).
Exit statuses: see contract_tests.exits.

SIGINT (Ctrl-C) and SIGTERM (what a CI job's timeout sends) stop the run within a second
or two; the summary, every report file and the cases are still written.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from typing import TextIO

from contacts_core.cases import CaseError
from contacts_core.options import Parser
from contract_tests import __version__, exits
from contract_tests.cases import saved_text
from contract_tests.config import ENV_PREFIX, OPTIONS, Config, ConfigError, build
from contract_tests.engine import run, signal_of
from contract_tests.events import Event, PhaseFinished, PhaseStarted, Progress
from contract_tests.outcome import Outcome
from contract_tests.report import console, from_outcome, write_files
from contract_tests.signals import ignoring_interrupts, terminate_as_interrupt

PROG = "contacts-contract"
SUBCOMMANDS = """subcommands:
  contacts-contract proxy --upstream URL ...
      a validating proxy between a frontend and a real backend: every exchange is
      judged by the same checks, live (contacts-contract proxy --help)
  contacts-contract compare --base-url BACKEND [--mock-url URL] ...
      the same requests to the mock and to a backend, every difference named
      (contacts-contract compare --help)"""


def build_parser() -> Parser:
    parser = Parser(
        OPTIONS,
        ENV_PREFIX,
        __version__,
        prog=PROG,
        description="Check a Contacts API backend against its OpenAPI contract. It creates "
        "records: point it at a disposable environment. Without --base-url it tests the "
        "embedded mock.",
    )
    parser.epilog = f"{exits.HELP}\n\n{SUBCOMMANDS}"
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


class LineProgress:
    """Plain lines, one per phase: for CI logs."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        if isinstance(event, PhaseFinished):
            with self.lock:
                line = f"{event.phase}: {event.count} requests in {event.seconds:.1f} s"
                print(line, file=self.stream, flush=True)


class TerminalProgress:
    """One status line, redrawn in place: for people at a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.counts: dict[str, int] = {}
        self.done: set[str] = set()
        self.started = time.monotonic()
        self.drawn = 0.0
        self.lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.counts[event.phase] = 0 if isinstance(event, PhaseStarted) else event.count
            if isinstance(event, PhaseFinished):
                self.done.add(event.phase)
            now = time.monotonic()
            if not isinstance(event, PhaseStarted | PhaseFinished) and now - self.drawn < 0.1:
                return
            self.drawn = now
            running = [f"{name} {n}" for name, n in self.counts.items() if name not in self.done]
            line = " · ".join(
                [
                    f"{now - self.started:5.1f} s",
                    f"{sum(self.counts.values())} requests",
                    f"{len(self.done)} phase(s) done",
                    *running,
                ]
            )
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r\x1b[K" + line[:width])
            self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\x1b[K")
        self.stream.flush()


def parse_config(argv: Sequence[str]) -> Config:
    parser = build_parser()
    if "--upstream" in argv or any(arg.startswith("--upstream=") for arg in argv):
        parser.error("--upstream is an option of the proxy: contacts-contract proxy --upstream URL")
    args = parser.parse_args(argv)
    try:
        return build(vars(args))
    except ConfigError as error:
        parser.error(str(error))


def main(argv: Sequence[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["proxy"]:
        from contract_tests.proxy.cli import main as proxy

        proxy(args[1:])
        return
    if args[:1] == ["compare"]:
        from contract_tests.compare_cli import main as compare

        compare(args[1:])
        return
    config = parse_config(args)
    interactive = sys.stderr.isatty()
    progress: Progress = TerminalProgress(sys.stderr) if interactive else LineProgress(sys.stderr)
    try:
        with terminate_as_interrupt():
            outcome = run(config, progress)
    except KeyboardInterrupt as interrupt:
        # Before anything was sent (the embedded mock starting, say): nothing to report.
        which = signal_of(interrupt)
        print(f"\n{PROG}: interrupted ({which}) before the run began", file=sys.stderr)
        raise SystemExit(exits.SIGNALLED[which]) from None
    except Exception as error:
        known = exits.for_error(error)
        if known is None:
            # A bug in the suite must never pass for a contract violation (exit 1).
            traceback.print_exc(file=sys.stderr)
            message = f"internal error, not a verdict on the target: {error!r}"
            known = (exits.INTERNAL_ERROR, message)
        if isinstance(progress, TerminalProgress):
            progress.clear()
        print(f"{PROG}: {known[1]}", file=sys.stderr)
        raise SystemExit(known[0]) from None
    if isinstance(progress, TerminalProgress):
        progress.clear()
    raise SystemExit(finish(outcome, config))


def finish(outcome: Outcome, config: Config) -> int:
    """Print the summary, write every file asked for; the exit status. Runs to the end
    even when interrupted again, or when a file cannot be written: what was found must
    not be lost."""
    with ignoring_interrupts():
        report = from_outcome(outcome)
        print(console(report, config.report), flush=True)
        if outcome.diagnosis is not None:
            print(f"{PROG}: could not judge the backend: {outcome.diagnosis}", file=sys.stderr)
        if outcome.interrupted is not None:
            print(
                f"{PROG}: interrupted ({outcome.interrupted}) after {outcome.duration:.0f} s; "
                "what ran until then is reported",
                file=sys.stderr,
            )
        if outcome.lost is not None:
            print(
                f"{PROG}: the run ended after {outcome.duration:.0f} s: {outcome.lost}; "
                "what ran until then is reported",
                file=sys.stderr,
            )
        unwritten = write_files(report, config.junit_xml, config.report)
        if config.save_cases is not None:
            found = [*outcome.results, *outcome.warnings]
            try:
                print(saved_text(found, outcome.target, outcome.keys, config.save_cases))
            except CaseError as error:
                unwritten.append(f"cannot save the cases: {error}")
        for line in unwritten:
            print(f"{PROG}: error: {line}", file=sys.stderr)
    status = exits.status(outcome)
    return exits.unwritten(status) if unwritten else status


if __name__ == "__main__":
    main(sys.argv[1:])
