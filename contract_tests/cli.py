"""contacts-contract: run the contract suite from the command line.

`contacts-contract proxy ...` runs the validating proxy instead (contract_tests.proxy.cli).

Exit codes: 0 the contract holds; 1 violations found (or, with --warnings-as-errors, a
warning raised); 2 usage or configuration error; 3 target unreachable; 4 internal error.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from typing import TextIO

from contacts_core.cases import CaseError
from contacts_core.options import Parser
from contract_tests import __version__
from contract_tests.config import ENV_PREFIX, OPTIONS, Config, ConfigError, build
from contract_tests.http import TargetLost, TargetUnreachable
from contract_tests.report import console, from_outcome, write
from contract_tests.runner import Progress, run, saved_text

OK, VIOLATIONS, USAGE, UNREACHABLE, INTERNAL_ERROR = 0, 1, 2, 3, 4
PROG = "contacts-contract"


def build_parser() -> Parser:
    return Parser(
        OPTIONS,
        ENV_PREFIX,
        __version__,
        prog=PROG,
        description="Check a Contacts API backend against its OpenAPI contract. It creates "
        "records: point it at a disposable environment. Without --base-url it tests the "
        "embedded mock.",
    )


class LineProgress:
    """Plain lines, one per phase: for CI logs."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started: dict[str, float] = {}
        self.lock = threading.Lock()

    def __call__(self, event: str, phase: str, count: int) -> None:
        with self.lock:
            if event == "start":
                self.started[phase] = time.monotonic()
            elif event == "done":
                took = time.monotonic() - self.started.get(phase, time.monotonic())
                print(f"{phase}: {count} requests in {took:.1f} s", file=self.stream, flush=True)


class TerminalProgress:
    """One status line, redrawn in place: for people at a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.counts: dict[str, int] = {}
        self.done: set[str] = set()
        self.started = time.monotonic()
        self.drawn = 0.0
        self.lock = threading.Lock()

    def __call__(self, event: str, phase: str, count: int) -> None:
        with self.lock:
            self.counts[phase] = count
            if event == "done":
                self.done.add(phase)
            now = time.monotonic()
            if event == "tick" and now - self.drawn < 0.1:
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


def parse_config(argv: Sequence[str] | None) -> Config:
    parser = build_parser()
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
    config = parse_config(args)
    progress: Progress
    interactive = sys.stderr.isatty()
    progress = TerminalProgress(sys.stderr) if interactive else LineProgress(sys.stderr)
    try:
        outcome = run(config, progress)
    except CaseError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        raise SystemExit(USAGE) from None
    except (TargetUnreachable, TargetLost) as error:
        if isinstance(progress, TerminalProgress):
            progress.clear()
        print(f"{PROG}: {error}", file=sys.stderr)
        raise SystemExit(UNREACHABLE) from None
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as error:
        # A bug in the suite must never pass for a contract violation (exit 1).
        traceback.print_exc(file=sys.stderr)
        print(f"{PROG}: internal error, not a verdict on the target: {error!r}", file=sys.stderr)
        raise SystemExit(INTERNAL_ERROR) from None
    if isinstance(progress, TerminalProgress):
        progress.clear()
    report = from_outcome(outcome)
    print(console(report, config.report))
    try:
        write(report, config.junit_xml, config.report)
        if config.save_cases is not None:
            print(saved_text(outcome, config.save_cases))
    except OSError as error:
        print(f"{PROG}: error: cannot write {error.filename}: {error.strerror}", file=sys.stderr)
        raise SystemExit(USAGE) from None
    except CaseError as error:
        print(f"{PROG}: error: cannot save cases: {error}", file=sys.stderr)
        raise SystemExit(USAGE) from None
    raise SystemExit(OK if outcome.ok else VIOLATIONS)


if __name__ == "__main__":
    main(sys.argv[1:])
