"""contacts-contract compare: the same requests to the mock and to a backend, every
difference named (contract_tests.comparison). A thin layer, as the suite's own command
line is: options -> the comparison -> the report."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from contacts_core.cases import CaseError
from contacts_core.options import ConfigError, Option, Parser, url
from contract_tests import __version__, exits
from contract_tests.cases import saved_text
from contract_tests.comparison import (
    DEFAULT_FAIL_ON,
    CompareConfig,
    ComparisonOutcome,
    run_comparison,
)
from contract_tests.config import ENV_PREFIX, OPTIONS, Config
from contract_tests.differences import KINDS
from contract_tests.engine import signal_of
from contract_tests.http import TargetLost, TargetUnreachable
from contract_tests.report import console, write_files
from contract_tests.report.model import from_comparison
from contract_tests.signals import ignoring_interrupts, terminate_as_interrupt

PROG = "contacts-contract compare"
_SHARED = (
    "token", "admin-token", "non-staff-token", "max-examples", "seed", "request-timeout",
    "rate-limit", "junit-xml", "report", "show-token", "insecure", "cases", "save-cases",
)  # fmt: skip
_BY_NAME = {option.name: option for option in OPTIONS}
# The suite's help says what an option does in a run of the suite; here, what it does in
# a comparison.
_HELP = {
    "admin-token": "an admin key both sides accept: the requests made with it are compared "
    "too (an embedded mock gets it with the admin role)",
    "non-staff-token": "a key of an account without permission that both sides know: the "
    "requests made with it are compared too (an embedded mock gets it with the user role)",
    "junit-xml": "write a JUnit XML report here, one test case per kind of difference",
    "save-cases": "write every distinct difference found, of any kind, to DIR/<kind>.jsonl "
    "as a case to replay against either side with --cases (new ones are added to a file "
    "there)",
}


def _kinds(text: str) -> tuple[str, ...]:
    """Kinds of difference, comma-separated, at least one: none would turn the gate off."""
    named = tuple(kind.strip() for kind in text.split(",") if kind.strip())
    if not named:
        raise ValueError(f"name at least one kind of difference: {', '.join(KINDS)}")
    for kind in named:
        if kind not in KINDS:
            raise ValueError(f"{kind!r} is not a kind of difference: {', '.join(KINDS)}")
    return named


COMPARE_OPTIONS = (
    Option("base-url", url, "the backend to compare with the mock", "URL"),
    Option("mock-url", url, "the mock to compare; without it, an embedded mock is started "
           "with the same keys and roles", "URL"),
    Option("recording", Path, "a proxy's recording (contacts-contract proxy --record): its "
           "requests are sent to the mock and its answers compared with the backend's, "
           "which the recording holds; no --base-url then", "FILE", separator=os.pathsep),
    Option("fail-on", _kinds, "the kinds of difference that fail the run (exit 1), "
           f"comma-separated: {', '.join(KINDS)}", "KIND", ",".join(DEFAULT_FAIL_ON)),
    *(replace(_BY_NAME[name], help=_HELP.get(name, _BY_NAME[name].help)) for name in _SHARED),
    replace(_BY_NAME["max-time"], help="seconds for the whole comparison: the cases and the "
            "fixed examples always run whole, a generated sample takes the rest (default 30)"),
)  # fmt: skip


def build_parser() -> Parser:
    parser = Parser(
        COMPARE_OPTIONS,
        ENV_PREFIX,
        __version__,
        prog=PROG,
        description="Send the same requests to the mock and to a backend and name every "
        "difference: status, shape, values, headers, texts. It creates records on the "
        "backend: point it at a disposable environment.",
    )
    parser.epilog = (
        "exit status:\n  0  no difference of the kinds --fail-on names\n  1  such a "
        "difference\n  2  usage error (an option, a case file, a report path); or a file "
        "asked for could not be\n     written at the end of a comparison that found no such "
        "difference (the others are)\n  3  could not judge: a side unreachable, a key or URL "
        "no correct\n     backend would answer so, or nothing to compare (a --recording "
        "with\n     no exchange to replay)\n  4  internal error, not a verdict on "
        "either side\n  130/143  interrupted (SIGINT/SIGTERM); the summary and report files "
        "are still written"
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def parse_config(argv: Sequence[str]) -> CompareConfig:
    parser = build_parser()
    values = parser.values(parser.parse_args(argv))
    try:
        return _config(values)
    except ConfigError as error:
        parser.error(str(error))


def _config(values: dict[str, Any]) -> CompareConfig:
    recording, mock_url = values.pop("recording"), values.pop("mock_url")
    fail_on = values.pop("fail_on")
    if not recording and values["base_url"] is None:
        raise ConfigError(f"--base-url (or {ENV_PREFIX}BASE_URL) names the backend to compare")
    if recording and values["base_url"] is not None:
        raise ConfigError("--recording holds the backend's answers: give it or --base-url")
    if values["token"] is None and (values["base_url"] is not None or mock_url is not None):
        raise ConfigError(f"--token (or {ENV_PREFIX}TOKEN) is required: a key both sides accept")
    known = {f.name for f in fields(Config)}
    suite = Config(**{k: v for k, v in values.items() if k in known and v is not None})
    return CompareConfig(suite, mock_url, recording, fail_on)


def main(argv: Sequence[str]) -> None:
    config = parse_config(argv)
    try:
        with terminate_as_interrupt():
            outcome = run_comparison(config)
    except KeyboardInterrupt as interrupt:
        # Before anything was compared (the embedded mock starting, say): nothing to report.
        which = signal_of(interrupt)
        print(f"\n{PROG}: interrupted ({which}) before the comparison began", file=sys.stderr)
        raise SystemExit(exits.SIGNALLED[which]) from None
    except (Exception, TargetLost) as error:
        raise SystemExit(_failed(error)) from None
    raise SystemExit(finish(outcome, config))


def finish(outcome: ComparisonOutcome, config: CompareConfig) -> int:
    """Print the summary, write every file asked for; the exit status. Runs to the end
    even when interrupted again, or when a file cannot be written: what was found must
    not be lost."""
    with ignoring_interrupts():
        report = from_comparison(outcome)
        print(console(report, config.suite.report), flush=True)
        suite = config.suite
        unwritten = write_files(report, suite.junit_xml, suite.report)
        if suite.save_cases is not None:
            target = outcome.mock if config.recording else outcome.backend
            try:
                print(saved_text(outcome.results, target, outcome.keys, suite.save_cases))
            except CaseError as error:
                unwritten.append(f"cannot save the cases: {error}")
        for line in unwritten:
            print(f"{PROG}: error: {line}", file=sys.stderr)
    status = _status(outcome)
    return exits.unwritten(status) if unwritten else status


def _status(outcome: ComparisonOutcome) -> int:
    if outcome.diagnosis is not None:
        print(f"{PROG}: could not judge: {outcome.diagnosis}", file=sys.stderr)
        return exits.NOT_JUDGED
    if outcome.interrupted is not None:
        print(
            f"{PROG}: interrupted ({outcome.interrupted}) after {outcome.duration:.0f} s; "
            "what was compared until then is reported",
            file=sys.stderr,
        )
        return exits.SIGNALLED[outcome.interrupted]
    return exits.OK if outcome.ok else exits.BROKEN


def _failed(error: Exception | TargetLost) -> int:
    """One line for an error that ended the comparison, and its exit status; a bug of the
    comparison never passes for a difference (exit 1)."""
    if isinstance(error, TargetUnreachable | TargetLost):
        # The comparison names the side: not always the backend.
        known: tuple[int, str] | None = (exits.NOT_JUDGED, f"could not judge: {error}")
    else:
        known = exits.for_error(error)
    if known is None:
        traceback.print_exc(file=sys.stderr)
        known = (exits.INTERNAL_ERROR, f"internal error, not a verdict on either side: {error!r}")
    print(f"{PROG}: {known[1]}", file=sys.stderr)
    return known[0]


__all__ = ["COMPARE_OPTIONS", "main", "parse_config"]
