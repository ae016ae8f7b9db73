"""What a run found, for people (terminal, markdown, HTML) and for CI (JUnit XML).

One model of the run, `Report`, is built once: `from_outcome(outcome)` for the suite's own runs,
`from_findings(findings, ...)` for anything else that judges calls one at a time (a
validating proxy). Thin renderers print it: `console`, `markdown`, `html`, `junit`.

The model holds every distinct failure and every warning raised, grouped by check, each
with its request as a runnable curl command (keys masked as environment variables unless
--show-token), the status and a body excerpt; and it says how many of them it shows.
"""

from __future__ import annotations

import html as html_escape
import re
import shlex
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from contacts_core.tokens import LookAlike, look_alikes
from contract_tests import __version__
from contract_tests.config import ENV_PREFIX
from contract_tests.contract import contract, status_name
from contract_tests.findings import FAILED, NOT_RUN, PASSED, WARNED, Failure, Findings, Result
from contract_tests.http import Request
from contract_tests.runner import CASES, FIXED, Outcome
from contract_tests.strategies import Keys

# A body beyond this is described rather than pasted into the command.
MAX_CURL_BODY = 64 * 1024
EXCERPT = 300
# The cases not sent listed in the console; the report lists them all.
SHOWN_UNSENT = 5


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _double_quoted(text: str) -> str:
    for char in '\\"$`':
        text = text.replace(char, "\\" + char)
    return '"' + text + '"'


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """XML 1.0 cannot hold some characters at all, escaped or not; show them as \\xNN."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _printable(body: bytes) -> str | None:
    """The body as text when a shell can carry it literally, else None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any((ord(c) < 32 and c not in "\t\n") or c == "\x7f" for c in text):
        return None
    return text


def _printf_format(body: bytes) -> str:
    """The body as a printf format: printable ASCII as is, every other byte as octal."""
    out = []
    for byte in body:
        char = chr(byte)
        if char == "%":
            out.append("%%")
        elif char == "\\":
            out.append("\\\\")
        elif 32 <= byte < 127 and char != "'":
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


@dataclass(frozen=True)
class Secrets:
    """The keys of a run and the environment variables that stand in for them: key ->
    variable. A key that resembles one of them (`contacts_core.tokens.look_alikes`) is shown as a
    shell expression of its variable, never as it is."""

    keys: dict[str, str]
    show: bool = False

    def header(self, name: str, value: str) -> str:
        if not self.show:
            scheme, _, sent = value.partition(" ")
            for key, variable in self.keys.items():
                alike = next((a for a in _look_alikes(key) if a.key == sent), None)
                if alike is not None:
                    shown = _double_quoted(f"{name}: {scheme} ")[:-1]
                    return f'{shown}{alike.expression(variable)}"'
            for key, variable in self.keys.items():
                if key in value:
                    # NUL never occurs in a header: it marks where the variable goes.
                    marked = _double_quoted(f"{name}: {value}".replace(key, "\0"))
                    return marked.replace("\0", "${" + variable + "}")
        return _single_quoted(f"{name}: {value}")


@cache
def _look_alikes(key: str) -> list[LookAlike]:
    return look_alikes(key)


def key_secrets(keys: Keys, show: bool = False) -> Secrets:
    """The keys given, each with the environment variable that stands in for it."""
    variables = {
        key: ENV_PREFIX + name
        for key, name in (
            (keys.token, "TOKEN"),
            (keys.admin, "ADMIN_TOKEN"),
            (keys.non_staff, "NON_STAFF_TOKEN"),
        )
        if key
    }
    return Secrets(variables, show)


def secrets_of(outcome: Outcome) -> Secrets:
    return key_secrets(outcome.keys, outcome.config.show_token)


def curl(request: Request, secrets: Secrets, insecure: bool = False) -> str:
    """A shell command that sends exactly this request."""
    parts = [
        f"curl -sS -i{'k' if insecure else ''} -X {request.method} {_single_quoted(request.url)}"
    ]
    has_type = False
    for name, value in request.headers:
        parts.append("-H " + secrets.header(name, value))
        has_type = has_type or name.lower() == "content-type"
    if not has_type:
        parts.append("-H 'Content-Type:'")  # curl would add a form content type otherwise
    body = request.body
    prefix = ""
    if len(body) > MAX_CURL_BODY:
        head = body[:60].decode("utf-8", "replace")
        parts.append(f"--data-binary @body.bin  # {len(body)} bytes, starting {head!r}")
    elif (text := _printable(body)) is not None:
        parts.append("--data-binary " + _single_quoted(text))
    else:
        prefix = f"printf '{_printf_format(body)}' | "
        parts.append("--data-binary @-")
    return prefix + " \\\n  ".join(parts)


def replay_command(outcome: Outcome) -> str:
    c = outcome.config
    parts = ["contacts-contract"]
    if not outcome.embedded:
        parts += ["--base-url", outcome.target]
    if c.insecure:
        parts.append("--insecure")
    for path in c.cases:
        parts += ["--cases", shlex.quote(str(path))]
    if c.cases_only:
        parts.append("--cases-only")
    else:
        parts += ["--seed", str(outcome.seed), "--max-examples", str(c.max_examples)]
    if c.max_time is not None:
        parts += ["--max-time", f"{c.max_time:g}"]
    return " ".join(parts)


# --- the model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """One distinct failure (or warning), ready to show."""

    message: str
    request: str
    """What was sent and how it was found; empty for run-level findings."""
    command: str
    """A curl command that sends the request again; empty for run-level findings."""
    response: str


@dataclass(frozen=True)
class Group:
    """A check's distinct failures, or a warning's."""

    name: str
    family: str
    description: str
    examples: tuple[Example, ...]
    calls: int
    complete: bool

    def counted(self, noun: str) -> str:
        """How many distinct findings there are, in how many calls, and how many are shown."""
        n = len(self.examples)
        found = f"{n} distinct {noun}{'' if n == 1 else 's'} in {_calls(self.calls)}"
        return f"{found}, all shown" if self.complete else f"{found}; the first {n} shown"


@dataclass(frozen=True)
class Row:
    name: str
    family: str
    state: str
    note: str


@dataclass(frozen=True)
class StatusRow:
    code: int
    description: str
    seen: int
    note: str


@dataclass(frozen=True)
class Report:
    ok: bool
    title: str
    """The first line: the tool, the target, the seed."""
    summary: str
    """The verdict, and how many checks passed, failed, were not run; the warnings."""
    facts: tuple[tuple[str, str], ...]
    checks: tuple[Row, ...]
    warnings: tuple[Row, ...]
    statuses: tuple[StatusRow, ...]
    failures: tuple[Group, ...]
    raised: tuple[Group, ...]
    """The warnings raised."""
    time: tuple[tuple[str, int, float, str], ...]
    """How the time went: phase, requests, seconds, how it ended."""
    replay: str
    properties: tuple[tuple[str, str], ...]
    duration: float
    warnings_fail: bool
    """--warnings-as-errors: a warning raised fails the run."""
    unsent: tuple[str, ...] = ()
    """The cases not sent: file and line, and why."""


def _calls(n: int) -> str:
    return f"{n} call{'' if n == 1 else 's'}"


def _where(failure: Failure) -> str:
    how = "shrunk to a minimal request" if failure.minimal else "as sent"
    if failure.cut_short:
        how += "; the time budget ran out before it could be shrunk"
    if failure.flaky:
        how += "; it did not fail again when replayed (flaky)"
    return f"{failure.label}, {failure.credential} ({failure.phase}; {how})"


def _excerpt(failure: Failure) -> str:
    if failure.response is None:
        return "(no response)"
    text = failure.response.text(EXCERPT)
    return f"{failure.response.status} {text}" if text else str(failure.response.status)


def _example(failure: Failure, secrets: Secrets, insecure: bool) -> Example:
    if failure.request is None:
        return Example(failure.message, "", "", "")
    return Example(
        failure.message,
        _where(failure),
        curl(failure.request, secrets, insecure),
        _excerpt(failure),
    )


def _group(result: Result, secrets: Secrets, insecure: bool) -> Group:
    return Group(
        result.name,
        result.check.family,
        result.check.description,
        tuple(_example(f, secrets, insecure) for f in result.failures),
        result.calls,
        result.complete,
    )


def _row(result: Result) -> Row:
    if result.state == NOT_RUN:
        note = result.note
    elif result.state == FAILED:
        note = f"{_calls(result.runs)}, {_calls(result.calls)} failed"
    elif result.state == WARNED:
        note = f"{_calls(result.runs)}, {result.calls} raised it"
    else:
        note = _calls(result.runs)
    return Row(result.name, result.check.family, result.state, note)


def _status_rows(
    statuses: Mapping[int, int], documented: Sequence[int], required: Sequence[int]
) -> tuple[StatusRow, ...]:
    c = contract()
    rows = []
    for code in sorted(set(documented) | set(statuses)):
        seen = statuses.get(code, 0)
        if code not in documented:
            note = "NOT DOCUMENTED"
        elif code in required:
            note = "required" if seen else "required, NEVER SEEN"
        else:
            note = ""
        rows.append(StatusRow(code, c.descriptions.get(code) or status_name(code), seen, note))
    return tuple(rows)


def _summary(results: Sequence[Result], warnings: Sequence[Result], warnings_fail: bool) -> str:
    states = [r.state for r in results]
    failed = states.count(FAILED)
    counts = (
        f"{states.count(PASSED)} passed, {failed} failed, {states.count(NOT_RUN)} not run "
        f"of {len(results)} checks"
    )
    raised = sum(w.state == WARNED for w in warnings)
    verdict = "the contract holds" if not failed else "the contract is broken"
    if not raised:
        return f"{verdict}: {counts}; no warnings"
    noun = f"{raised} warning{'' if raised == 1 else 's'}"
    if warnings_fail:
        return f"{verdict}: {counts}; {noun}, counted as errors (--warnings-as-errors)"
    return f"{verdict}: {counts}; {noun} (they do not fail the run)"


def model(
    results: Sequence[Result],
    warnings: Sequence[Result],
    statuses: Mapping[int, int],
    *,
    title: str,
    secrets: Secrets,
    required: Sequence[int] = (),
    facts: Sequence[tuple[str, str]] = (),
    time: Sequence[tuple[str, int, float, str]] = (),
    replay: str = "",
    properties: Sequence[tuple[str, str]] = (),
    duration: float = 0.0,
    insecure: bool = False,
    warnings_fail: bool = False,
    unsent: Sequence[str] = (),
) -> Report:
    """The report of any judged calls: check and warning results, the statuses seen."""
    failed = [r for r in results if r.state == FAILED]
    raised = [w for w in warnings if w.state == WARNED]
    return Report(
        ok=not failed and not (warnings_fail and raised),
        title=title,
        summary=_summary(results, warnings, warnings_fail),
        facts=tuple(facts),
        checks=tuple(_row(r) for r in results),
        warnings=tuple(_row(w) for w in warnings),
        statuses=_status_rows(statuses, contract().statuses, required),
        failures=tuple(_group(r, secrets, insecure) for r in failed),
        raised=tuple(_group(w, secrets, insecure) for w in raised),
        time=tuple(time),
        replay=replay,
        properties=(*properties, ("warnings", str(len(raised)))),
        duration=duration,
        warnings_fail=warnings_fail,
        unsent=tuple(unsent),
    )


def from_findings(
    findings: Findings,
    *,
    target: str,
    secrets: Secrets,
    options: Mapping[str, str | None] | None = None,
    required: tuple[int, ...] = (),
) -> Report:
    """The report of calls judged outside a run of the suite (see `findings`)."""
    return model(
        findings.results(options, required),
        findings.warning_results(),
        dict(findings.statuses),
        title=f"contacts-contract {__version__}: {target}",
        secrets=secrets,
        required=required,
        facts=[("Target", target), ("Requests judged", str(findings.sent()))],
        properties=[("target", target), ("requests", str(findings.sent()))],
    )


def _target(outcome: Outcome) -> str:
    return f"{outcome.target} (embedded mock)" if outcome.embedded else outcome.target


def from_outcome(outcome: Outcome) -> Report:
    """The report of one run of the suite."""
    c = outcome.config
    rate = outcome.requests / outcome.duration if outcome.duration else 0.0
    budget = f"{c.max_time:g} s" if c.max_time is not None else "none"
    facts = [
        ("Target", _target(outcome)),
        ("Seed", str(outcome.seed)),
        ("Examples", ", ".join(f"{p.name} {p.requests}" for p in outcome.phases.values())),
        ("Requests", f"{outcome.requests} in {outcome.duration:.1f} s ({rate:.0f}/s)"),
        ("Time budget", budget),
    ]
    if c.cases:
        sent = outcome.phases[CASES].requests if CASES in outcome.phases else 0
        paths = ", ".join(str(path) for path in c.cases)
        facts.append(("Cases", f"{sent} sent from {paths}, {len(outcome.unsent)} not sent"))
    time = [
        (
            p.name,
            p.requests,
            p.seconds,
            _ending(p.name, p.end, p.budget),
        )
        for p in outcome.phases.values()
    ]
    properties = [
        ("target", outcome.target),
        ("seed", str(outcome.seed)),
        ("max_examples", str(c.max_examples)),
        ("max_time", budget),
        ("requests", str(outcome.requests)),
        ("cases_not_sent", str(len(outcome.unsent))),
    ]
    return model(
        outcome.results,
        outcome.warnings,
        outcome.statuses,
        title=f"contacts-contract {__version__}: {_target(outcome)}, seed {outcome.seed}",
        secrets=secrets_of(outcome),
        required=outcome.required,
        facts=facts,
        time=time,
        replay=replay_command(outcome),
        properties=properties,
        duration=outcome.duration,
        insecure=c.insecure,
        warnings_fail=c.warnings_as_errors,
        unsent=outcome.unsent,
    )


def _ending(name: str, end: str, budget: float | None) -> str:
    if name in (CASES, FIXED):
        return "always run whole"
    if budget is None or budget <= 0:
        return end
    return f"{end} (its share of the budget: {budget:.1f} s)"


# --- terminal -----------------------------------------------------------------------------


def _indented(text: str, prefix: str = "   ") -> list[str]:
    return [prefix + line for line in text.splitlines()]


def _first(group: Group, number: str, noun: str, more_where: str) -> list[str]:
    """A group's first example in full, and how many more there are, where."""
    first = group.examples[0]
    lines = ["", f"{number}. {group.name}: {first.message}"]
    if first.command:
        lines.append(f"   request: {first.request}")
        lines += _indented(first.command)
        lines.append(f"   response: {first.response}")
    more = len(group.examples) - 1
    if more:
        lines.append(f"   ({more} more distinct {noun}{'' if more == 1 else 's'} {more_where})")
    return lines


def console(report: Report, report_path: Path | None = None) -> str:
    """The terminal summary: every check and warning, the statuses, the time, and each
    failing check's and raised warning's first example (all of them are in the report)."""
    more_where = f"in {report_path}" if report_path else "in the report (--report PATH)"
    told = ("Target", "Seed")  # the title says them
    lines = [report.title, *(f"  {n}: {v}" for n, v in report.facts if n not in told), ""]
    width = max(len(r.name) for r in report.checks + report.warnings)
    for row in report.checks:
        state = row.state.upper() if row.state == FAILED else row.state
        lines.append(f"  {state:<8} {row.name:<{width}}  {row.note}")
    lines += ["", "Warnings (they do not fail the run unless --warnings-as-errors)"]
    for row in report.warnings:
        state = {WARNED: "WARNING", PASSED: "clear"}.get(row.state, row.state)
        lines.append(f"  {state:<8} {row.name:<{width}}  {row.note}")
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
    for number, group in enumerate(report.failures, 1):
        lines += _first(group, str(number), "failure", more_where)
    for number, group in enumerate(report.raised, 1):
        lines += _first(group, f"W{number}", "warning", more_where)
    if report.failures and report.replay:
        lines += ["", f"Replay: {report.replay}"]
    lines += ["", report.summary]
    return "\n".join(lines)


def group_text(group: Group, noun: str, replay: str = "") -> str:
    """One failed check (or raised warning) in full: every distinct example, then how to
    replay the run."""
    lines = [f"{group.name}: {group.description}", group.counted(noun)]
    for example in group.examples:
        lines += ["", example.message]
        if example.command:
            lines += [f"request: {example.request}", example.command]
            lines.append(f"response: {example.response}")
    if replay:
        lines += ["", f"replay: {replay}"]
    return "\n".join(lines)


def case_text(where: str, failures: Sequence[Failure], secrets: Secrets, insecure: bool) -> str:
    """A case that broke the contract: each check it failed, then its request and answer."""
    first = _example(failures[0], secrets, insecure)
    lines = [f"case {failures[0].label!r} ({where}) broke {len(failures)} check(s):"]
    lines += [f"  {failure.check}: {failure.message}" for failure in failures]
    if first.command:
        lines += [f"request: {first.request}", first.command, f"response: {first.response}"]
    return "\n".join(lines)


# --- markdown -----------------------------------------------------------------------------


def _inline_code(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")


def _markdown_group(group: Group, noun: str) -> list[str]:
    out = ["", f"### `{group.name}`", "", f"{group.description}. {group.counted(noun)}.", ""]
    for example in group.examples:
        out.append(f"- **{example.message}**")
        if example.command:
            out += [
                f"  - request: {example.request}",
                "",
                "    ```sh",
                *_indented(example.command, "    "),
                "    ```",
                "",
                f"  - response: `{_inline_code(example.response)}`",
            ]
    return out


def markdown(report: Report) -> str:
    out = [
        "# Contract test report",
        "",
        f"**{report.summary}**",
        "",
        *(f"- {name}: {value}" for name, value in report.facts),
    ]
    if report.replay:
        out.append(f"- Replay: `{report.replay}`")
    out += ["", "## Checks", "", "| check | family | result | |", "|---|---|---|---|"]
    out += [f"| `{r.name}` | {r.family} | {r.state} | {r.note} |" for r in report.checks]
    out += [
        "",
        "## Warnings",
        "",
        "Answers the contract allows but that break clients; they do not fail the run "
        "unless `--warnings-as-errors`.",
        "",
        "| warning | family | result | |",
        "|---|---|---|---|",
    ]
    out += [f"| `{r.name}` | {r.family} | {r.state} | {r.note} |" for r in report.warnings]
    out += ["", "## Status codes", "", "| code | description | seen | |", "|---|---|---|---|"]
    out += [f"| {s.code} | {s.description} | {s.seen} | {s.note} |" for s in report.statuses]
    if report.time:
        out += ["", "## Time", "", "| phase | requests | seconds | |", "|---|---|---|---|"]
        out += [f"| {p} | {n} | {t:.1f} | {e} |" for p, n, t, e in report.time]
    if report.unsent:
        out += ["", "## Cases not sent", "", *(f"- {_inline_code(why)}" for why in report.unsent)]
    if report.failures:
        out += ["", "## Failures"]
        for group in report.failures:
            out += _markdown_group(group, "failure")
    if report.raised:
        out += ["", "## Warnings raised"]
        for group in report.raised:
            out += _markdown_group(group, "warning")
    return "\n".join(out) + "\n"


# --- HTML ---------------------------------------------------------------------------------

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}
pre{background:#f5f5f5;padding:.8em;overflow-x:auto;white-space:pre-wrap}
details{margin:.6em 0}summary{cursor:pointer}
.failed{color:#b00;font-weight:bold}.passed{color:#070}.notrun{color:#777}
.warned{color:#a60;font-weight:bold}
"""
_CLASS = {PASSED: "passed", FAILED: "failed", NOT_RUN: "notrun", WARNED: "warned"}


def _html_table(heading: str, rows: Sequence[Row], first: str) -> list[str]:
    e = html_escape.escape
    parts = [
        f"<h2>{heading}</h2><table><tr><th>{first}</th><th>family</th><th>result</th><th></th></tr>"
    ]
    for r in rows:
        parts.append(
            f"<tr><td><code>{e(r.name)}</code></td><td>{e(r.family)}</td>"
            f"<td class='{_CLASS[r.state]}'>{e(r.state)}</td><td>{e(r.note)}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _html_group(group: Group, noun: str, css: str) -> list[str]:
    """One check's (or warning's) examples, collapsed under a line that counts them."""
    e = html_escape.escape
    parts = [
        f"<details><summary><code>{e(group.name)}</code>: {e(group.counted(noun))}</summary>",
        f"<p>{e(group.description)}.</p>",
    ]
    for example in group.examples:
        parts.append(f"<p class='{css}'>{e(example.message)}</p>")
        if example.command:
            parts += [
                f"<p>Request: {e(example.request)}</p>",
                f"<pre>{e(example.command)}</pre>",
                f"<p>Response:</p><pre>{e(example.response)}</pre>",
            ]
    parts.append("</details>")
    return parts


def html(report: Report) -> str:
    e = html_escape.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Contract test report</title><style>{_STYLE}</style></head><body>",
        "<h1>Contract test report</h1>",
        f"<p><strong>{e(report.summary)}</strong></p><ul>",
        *(f"<li>{e(name)}: {e(value)}</li>" for name, value in report.facts),
    ]
    if report.replay:
        parts.append(f"<li>Replay: <code>{e(report.replay)}</code></li>")
    parts.append("</ul>")
    parts += _html_table("Checks", report.checks, "check")
    parts += _html_table("Warnings", report.warnings, "warning")
    parts.append(
        "<h2>Status codes</h2><table>"
        "<tr><th>code</th><th>description</th><th>seen</th><th></th></tr>"
    )
    for s in report.statuses:
        parts.append(
            f"<tr><td>{s.code}</td><td>{e(s.description)}</td><td>{s.seen}</td>"
            f"<td>{e(s.note)}</td></tr>"
        )
    parts.append("</table>")
    if report.time:
        parts.append(
            "<h2>Time</h2><table><tr><th>phase</th><th>requests</th><th>seconds</th><th></th></tr>"
        )
        for phase, requests, seconds, ending in report.time:
            parts.append(
                f"<tr><td>{e(phase)}</td><td>{requests}</td><td>{seconds:.1f}</td>"
                f"<td>{e(ending)}</td></tr>"
            )
        parts.append("</table>")
    if report.unsent:
        parts.append("<h2>Cases not sent</h2><ul>")
        parts += [f"<li>{e(why)}</li>" for why in report.unsent]
        parts.append("</ul>")
    if report.failures:
        parts.append("<h2>Failures</h2>")
        for group in report.failures:
            parts += _html_group(group, "failure", "failed")
    if report.raised:
        parts.append("<h2>Warnings raised</h2>")
        for group in report.raised:
            parts += _html_group(group, "warning", "warned")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --- JUnit XML ----------------------------------------------------------------------------


def junit(report: Report) -> str:
    """One test case per check, then one per warning: a warning raised is a passed case
    with the examples in system-out (a failure with --warnings-as-errors)."""
    failed = {g.name: g for g in report.failures}
    raised = {g.name: g for g in report.raised}
    rows = report.checks + report.warnings
    suite = ET.Element(
        "testsuite",
        name="contacts-contract",
        tests=str(len(rows)),
        failures=str(len(failed) + (len(raised) if report.warnings_fail else 0)),
        errors="0",
        skipped=str(sum(r.state == NOT_RUN for r in rows)),
        time=f"{report.duration:.3f}",
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in report.properties:
        ET.SubElement(properties, "property", name=name, value=_xml_safe(value))
    for row in rows:
        warning = row.name in {w.name for w in report.warnings}
        classname = "contacts-contract.warnings" if warning else f"contacts-contract.{row.family}"
        case = ET.SubElement(suite, "testcase", classname=classname, name=row.name, time="0")
        if row.state == NOT_RUN:
            ET.SubElement(case, "skipped", message=f"not run: {row.note}")
        elif row.name in failed or (report.warnings_fail and row.name in raised):
            group = failed.get(row.name) or raised[row.name]
            message = _xml_safe(group.examples[0].message)
            element = ET.SubElement(case, "failure", message=message, type=row.name)
            element.text = _xml_safe(group_text(group, "failure", report.replay))
        elif row.name in raised:
            out = ET.SubElement(case, "system-out")
            out.text = _xml_safe("WARNING " + group_text(raised[row.name], "warning"))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write(report: Report, junit_path: Path | None, report_path: Path | None) -> None:
    """Write the files the configuration asks for."""
    if junit_path is not None:
        _write(junit_path, junit(report))
    if report_path is not None:
        html_wanted = report_path.suffix.lower() in (".html", ".htm")
        _write(report_path, html(report) if html_wanted else markdown(report))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
