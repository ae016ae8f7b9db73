"""The report for people at a terminal or in a CI log: every check and warning, the
statuses, the time, and each failing check's first example; and the texts of one check
or one case in full (the pytest plugin's failures)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from contract_tests.model import FAILED, PASSED, WARNED, Failure
from contract_tests.report.model import Example, Group, Report, example
from contract_tests.report.secrets import Secrets

# The cases not sent listed in the console; the report lists them all.
SHOWN_UNSENT = 5


def indented(text: str, prefix: str = "   ") -> list[str]:
    return [prefix + line for line in text.splitlines()]


def _first(group: Group, number: str, noun: str, more_where: str) -> list[str]:
    """A group's first example in full, and how many more there are, where."""
    first = group.examples[0]
    lines = ["", f"{number}. {group.name}: {first.message}"]
    if first.command:
        lines.append(f"   request: {first.request}")
        lines += _sides(first, "   ")
    more = len(group.examples) - 1
    if more:
        lines.append(f"   ({more} more distinct {noun}{'' if more == 1 else 's'} {more_where})")
    return lines


def _sides(shown: Example, prefix: str = "") -> list[str]:
    """An example's command and answer; for a difference, the backend's then the mock's."""
    if not shown.other_command:
        return [*indented(shown.command, prefix), f"{prefix}response: {shown.response}"]
    return [
        f"{prefix}the backend:",
        *indented(shown.command, prefix + "  "),
        f"{prefix}  response: {shown.response}",
        f"{prefix}the mock:",
        *indented(shown.other_command, prefix + "  "),
        f"{prefix}  response: {shown.other_response}",
    ]


def console(report: Report, report_path: Path | None = None) -> str:
    """The terminal summary: every check and warning, the statuses, the time, and each
    failing check's and raised warning's first example (all of them are in the report)."""
    more_where = f"in {report_path}" if report_path else "in the report (--report PATH)"
    told = ("Target", "Seed")  # the title says them
    lines = [report.title, *(f"  {n}: {v}" for n, v in report.facts if n not in told), ""]
    if report.not_judged:
        lines.append("No check was judged: the run's own set-up is wrong (the last line says why).")
    else:
        lines += _tables(report)
    lines += ["", "Status codes"]
    for s in report.statuses:
        lines.append(f"  {s.code}  {s.seen:>6}  {s.note:<20} {s.description}")
    if report.time:
        lines += ["", "Time"]
        for phase, requests, seconds, ending in report.time:
            lines.append(f"  {phase:<22} {requests:>5} requests {seconds:>6.1f} s  {ending}")
    if report.unsent:
        lines += ["", "Cases not sent"]
        lines += [f"  {why}" for why in report.unsent[:SHOWN_UNSENT]]
        if len(report.unsent) > SHOWN_UNSENT:
            lines.append(f"  ({len(report.unsent) - SHOWN_UNSENT} more {more_where})")
    if report.exports:
        lines += ["", f"The commands below read the keys from the environment: {report.exports}"]
    for number, group in enumerate(report.failures, 1):
        lines += _first(group, str(number), "failure", more_where)
    for number, group in enumerate(report.raised, 1):
        lines += _first(group, f"W{number}", "warning", more_where)
    if report.coverage is not None:
        lines += ["", report.coverage.line()]
    if (report.failures or report.ended_early) and report.replay:
        lines += ["", f"Replay: {report.replay}"]
    lines += ["", report.summary]
    return "\n".join(lines)


def _tables(report: Report) -> list[str]:
    lines = []
    width = max(len(r.name) for r in report.checks + report.warnings)
    for row in report.checks:
        state = row.state.upper() if row.state == FAILED else row.state
        lines.append(f"  {state:<8} {row.name:<{width}}  {row.note}")
    lines += ["", report.warnings_heading]
    for row in report.warnings:
        state = {WARNED: "WARNING", PASSED: "clear"}.get(row.state, row.state)
        lines.append(f"  {state:<8} {row.name:<{width}}  {row.note}")
    return lines


def group_text(group: Group, noun: str, replay: str = "", exports: str = "") -> str:
    """One failed check (or raised warning) in full: every distinct example, then how to
    replay the run."""
    lines = [f"{group.name}: {group.description}", group.counted(noun)]
    if exports:
        lines.append(f"the commands read the keys from the environment: {exports}")
    for shown in group.examples:
        lines += ["", shown.message]
        if shown.command:
            lines += [f"request: {shown.request}", *_sides(shown)]
    if replay:
        lines += ["", f"replay: {replay}"]
    return "\n".join(lines)


def case_text(where: str, failures: Sequence[Failure], secrets: Secrets, insecure: bool) -> str:
    """A case that broke the contract: each check it failed, then its request and answer."""
    first = example(failures[0], secrets, insecure)
    lines = [f"case {failures[0].label!r} ({where}) broke {len(failures)} check(s):"]
    lines += [f"  {failure.check}: {failure.message}" for failure in failures]
    if first.command:
        if secrets.exports():
            lines.append(f"the command reads the keys from the environment: {secrets.exports()}")
        lines += [f"request: {first.request}", first.command, f"response: {first.response}"]
    return "\n".join(lines)
