"""The report of a run, built once: `from_outcome(outcome)` for the suite's own runs,
`from_findings(findings, ...)` for anything else that judges calls one at a time (a
validating proxy). The renderers beside this module print it.

It holds every distinct failure and every warning raised, grouped by check, each with
its request as a runnable curl command (keys masked as environment variables unless
--show-token), the status and a body excerpt; and it says how many calls failed and how
many distinct failures it shows.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus

from contract_tests import __version__
from contract_tests.comparison import ComparisonOutcome
from contract_tests.contract import contract, status_name
from contract_tests.coverage import CoverageSummary
from contract_tests.findings import Findings, Result
from contract_tests.model import FAILED, NOT_RUN, PASSED, WARNED, Failure
from contract_tests.outcome import CASES, DONE, WHOLE, Outcome, PhaseRun, Verdict
from contract_tests.report.secrets import Secrets, key_secrets
from contract_tests.report.shell import curl

EXCERPT = 300


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


@dataclass(frozen=True)
class Example:
    """One distinct failure (or warning), ready to show."""

    message: str
    request: str
    """What was sent and how it was found; empty for run-level findings."""
    command: str
    """A curl command that sends the request again; empty for run-level findings."""
    response: str
    other_command: str = ""
    """For a difference: the same request to the other side (the mock), as a command."""
    other_response: str = ""


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
        """How many calls failed (or raised the warning), and how many distinct findings
        of them are shown: "45 calls failed; 4 distinct failures shown"."""
        n = len(self.examples)
        how = "failed" if noun == "failure" else "raised it"
        shown = f"{n} distinct {noun}{'' if n == 1 else 's'}"
        which = f"{shown} shown" if self.complete else f"the first {shown} shown (more were found)"
        return f"{_calls(self.calls)} {how}; {which}"


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
    exports: str = ""
    """How to set the variables the commands read (by role, never a key)."""
    not_judged: str = ""
    """Why the backend could not be judged (the run's set-up is wrong), if it could not."""
    warnings_heading: str = "Warnings (they do not fail the run unless --warnings-as-errors)"
    ended_early: str = ""
    """Why the run ended before its phases did (interrupted, or the target stopped
    answering), if it did: what ran until then is reported."""
    coverage: CoverageSummary | None = None
    """The input space's cells, and how many calls exercised each."""


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
    text = failure.response.text(EXCERPT).rstrip()
    return f"{failure.response.status} {text}" if text else str(failure.response.status)


def example(failure: Failure, secrets: Secrets, insecure: bool) -> Example:
    """One failure ready to show: its message, how it was found, its curl, its answer."""
    if failure.request is None:
        return Example(failure.message, "", "", "")
    other_command = other_response = ""
    if failure.counterpart is not None:
        request, response = failure.counterpart
        other_command = curl(request, secrets, insecure)
        other_response = _excerpt(replace(failure, response=response))
    return Example(
        failure.message,
        _where(failure),
        curl(failure.request, secrets, insecure),
        _excerpt(failure),
        other_command,
        other_response,
    )


def _group(result: Result, secrets: Secrets, insecure: bool) -> Group:
    return Group(
        result.name,
        result.check.family,
        result.check.description,
        tuple(example(f, secrets, insecure) for f in result.failures),
        result.calls,
        result.complete,
    )


def _row(result: Result) -> Row:
    if result.state == NOT_RUN:
        note = result.note
    elif result.state == FAILED:
        note = f"{_calls(result.runs)}, {result.calls} failed"
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
        if code == HTTPStatus.METHOD_NOT_ALLOWED and c.operation.refused_methods:
            note = "other methods"  # the path's description promises it; OpenAPI cannot
        elif code not in documented:
            note = "NOT DOCUMENTED"
        elif code in required:
            note = "required" if seen else "required, NEVER SEEN"
        else:
            note = ""
        rows.append(StatusRow(code, c.descriptions.get(code) or status_name(code), seen, note))
    return tuple(rows)


def _summary(
    results: Sequence[Result],
    warnings: Sequence[Result],
    warnings_fail: bool,
    verdict: Verdict | None = None,
) -> str:
    states = [r.state for r in results]
    failed = states.count(FAILED)
    counts = (
        f"{states.count(PASSED)} passed, {failed} failed, {states.count(NOT_RUN)} not run "
        f"of {len(results)} checks"
    )
    raised = sum(w.state == WARNED for w in warnings)
    if verdict is None:
        verdict = Verdict.BROKEN if failed or (warnings_fail and raised) else Verdict.HOLDS
    said = verdict.value
    if not raised:
        return f"{said}: {counts}; no warnings"
    noun = f"{raised} warning{'' if raised == 1 else 's'}"
    if warnings_fail:
        return f"{said}: {counts}; {noun}, counted as errors (--warnings-as-errors)"
    return f"{said}: {counts}; {noun} (they do not fail the run)"


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
    summary: str = "",
    not_judged: str = "",
    ended_early: str = "",
    coverage: CoverageSummary | None = None,
    fails: bool | None = None,
    warnings_heading: str = "",
) -> Report:
    """The report of any judged calls: check and warning results, the statuses seen.
    `summary`: the verdict in words, when not the one the results give."""
    failed = [r for r in results if r.state == FAILED]
    raised = [w for w in warnings if w.state == WARNED]
    return Report(
        ok=not fails if fails is not None else not failed and not (warnings_fail and raised),
        title=title,
        summary=summary or _summary(results, warnings, warnings_fail),
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
        exports=secrets.exports() if failed or raised else "",
        not_judged=not_judged,
        ended_early=ended_early,
        coverage=coverage,
        **({"warnings_heading": warnings_heading} if warnings_heading else {}),
    )


def from_findings(
    findings: Findings,
    *,
    target: str,
    secrets: Secrets,
    options: Mapping[str, str | None] | None = None,
) -> Report:
    """The report of calls judged outside a run of the suite (see `findings`)."""
    return model(
        findings.results(options),
        findings.warning_results(),
        dict(findings.statuses),
        title=f"contacts-contract {__version__}: {target}",
        secrets=secrets,
        required=findings.scope.required or (),
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
    ended_early = _ended_early(outcome.interrupted, outcome.lost, outcome.duration)
    if ended_early:
        facts.append(ended_early)
    if c.cases:
        sent = outcome.phases[CASES].requests if CASES in outcome.phases else 0
        paths = ", ".join(str(path) for path in c.cases)
        facts.append(("Cases", f"{sent} sent from {paths}, {len(outcome.unsent)} not sent"))
    time = [(p.name, p.requests, p.seconds, _ending(p)) for p in outcome.phases.values()]
    properties = [
        ("target", outcome.target),
        ("seed", str(outcome.seed)),
        ("max_examples", str(c.max_examples)),
        ("max_time", budget),
        ("requests", str(outcome.requests)),
        ("cases_not_sent", str(len(outcome.unsent))),
    ]
    coverage = outcome.coverage
    if coverage is not None:
        properties.append(("input_coverage", f"{coverage.covered}/{len(coverage.rows)}"))
    results, warnings = outcome.results, outcome.warnings
    if outcome.diagnosis is not None:
        # The answers say nothing of the contract: no check is judged on them.
        results = [_not_judged(r) for r in results]
        warnings = [_not_judged(w) for w in warnings]
    return model(
        results,
        warnings,
        outcome.statuses,
        title=f"contacts-contract {__version__}: {_target(outcome)}, seed {outcome.seed}",
        secrets=key_secrets(outcome.keys, c.show_token),
        required=outcome.required,
        facts=facts,
        time=time,
        replay=replay_command(outcome),
        properties=properties,
        duration=outcome.duration,
        insecure=c.insecure,
        warnings_fail=c.warnings_as_errors,
        unsent=outcome.unsent,
        summary=_outcome_summary(outcome),
        not_judged=outcome.diagnosis or "",
        ended_early=ended_early[1] if ended_early else "",
        coverage=coverage,
        fails=not outcome.ok,
    )


def _ended_early(
    interrupted: str | None, lost: str | None, duration: float
) -> tuple[str, str] | None:
    """The fact that says why a run ended before its phases did, if it did."""
    if interrupted is not None:
        return (
            "Interrupted",
            f"by {interrupted} after {duration:.0f} s: what ran until then is reported",
        )
    if lost is not None:
        return ("Target lost", f"after {duration:.0f} s, {lost}: what ran until then is reported")
    return None


def _not_judged(result: Result) -> Result:
    return Result(result.check, NOT_RUN, 0, note="not judged: the run's own set-up is wrong")


def _outcome_summary(outcome: Outcome) -> str:
    if outcome.diagnosis is not None:
        return f"{Verdict.NOT_JUDGED.value}: {outcome.diagnosis}"
    verdict = Verdict.BROKEN if outcome.verdict is Verdict.BROKEN else Verdict.HOLDS
    said = _summary(outcome.results, outcome.warnings, outcome.config.warnings_as_errors, verdict)
    if outcome.interrupted is not None:
        return f"interrupted after {outcome.duration:.0f} s, so far {said}"
    if outcome.lost is not None:
        return f"the target stopped answering after {outcome.duration:.0f} s, so far {said}"
    if outcome.under_coverage and outcome.coverage is not None:
        wanted = outcome.config.fail_under_coverage
        return (
            f"the gate fails: input coverage {outcome.coverage.percent:.0f}% is under "
            f"--fail-under-coverage {wanted:g}; {said}"
        )
    return said


def _ending(phase: PhaseRun) -> str:
    if phase.name in WHOLE and phase.end == DONE:
        return "always run whole"
    if phase.budget is None or phase.budget <= 0:
        return phase.end
    ending = f"{phase.end} (its share of the budget: {phase.budget:.1f} s)"
    if phase.starved:
        ending += f"; only {phase.requests} requests: too few to mean much, give --max-time more"
    return ending


def from_comparison(outcome: ComparisonOutcome) -> Report:
    """The report of a comparison: the kinds --fail-on names as checks, the other kinds
    apart, every difference with both answers and a command for each side."""
    c = outcome.config
    secrets = key_secrets(outcome.keys, c.suite.show_token)
    mock = f"{outcome.mock} (embedded)" if outcome.embedded else outcome.mock
    if outcome.recorded:
        compared = f"{outcome.pairs} of {outcome.recorded} recorded exchanges replayed"
        backend = ", ".join(str(path) for path in c.recording)
    else:
        compared = f"{outcome.pairs} requests to each side in {outcome.duration:.1f} s"
        backend = outcome.backend
    differing = sum(r.calls for r in outcome.results)
    facts = [
        ("Backend", backend),
        ("Mock", mock),
        ("Compared", compared),
        ("Fails on", ", ".join(c.fail_on) or "nothing"),
    ]
    if not outcome.recorded:
        facts.insert(2, ("Seed", str(outcome.seed)))
    if outcome.diagnosis is not None:
        # The diagnosis names the side: the mock's set-up may be the wrong one.
        summary = f"could not judge: {outcome.diagnosis}"
    elif outcome.recorded:
        summary = (
            f"the mock answers {outcome.differing} of {outcome.pairs} recorded exchanges "
            "differently"
        )
    else:
        summary = f"{outcome.differing} of {outcome.pairs} requests answered differently"
    kinds = ", ".join(f"{r.name} {r.calls}" for r in outcome.results if r.calls) or "none"
    summary += f" (differences by kind: {kinds})"
    ended_early = _ended_early(outcome.interrupted, None, outcome.duration)
    if ended_early:
        facts.append(ended_early)
        summary = f"interrupted after {outcome.duration:.0f} s, so far {summary}"
    failing = [r for r in outcome.results if r.name in c.fail_on]
    others = [r for r in outcome.results if r.name not in c.fail_on]
    time = [(p.name, p.requests, p.seconds, _ending(p)) for p in outcome.phases.values()]
    return model(
        failing,
        others,
        outcome.statuses,
        title=f"contacts-contract compare {__version__}: {backend} against the mock {mock}",
        secrets=secrets,
        facts=facts,
        time=time,
        replay="",
        properties=[
            ("backend", backend),
            ("mock", outcome.mock),
            ("compared", str(outcome.pairs)),
            ("differences", str(differing)),
        ],
        duration=outcome.duration,
        insecure=c.suite.insecure,
        unsent=outcome.unsent,
        summary=summary,
        not_judged=outcome.diagnosis or "",
        ended_early=ended_early[1] if ended_early else "",
        fails=not outcome.ok,
        warnings_heading="Other differences (they do not fail the run unless --fail-on names them)",
    )
