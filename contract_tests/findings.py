"""What judged calls found: how often each check and warning ran, the statuses seen, the
ids given, and every distinct failure and warning.

The suite's runner feeds it every call it sends; anything else that judges calls (a
validating proxy, say) can feed it its own, one call at a time, and get the same results
and report (see `report.from_findings`):

    findings = Findings(contract(), max_ids=100_000)
    findings.record(call, "live traffic")   # run every check and warning, keep what failed
    results, warnings = findings.results(), findings.warning_results()
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contract_tests.checks import CHECKS, Call, Check, evaluate
from contract_tests.client_warnings import WARNINGS
from contract_tests.contract import Contract
from contract_tests.http import Request, Response
from contract_tests.oracle import shown
from contract_tests.strategies import Credential

PASSED, FAILED, NOT_RUN, WARNED = "passed", "failed", "not run", "warned"

# Distinct failures kept per check or warning; beyond, they are counted, not kept, so
# that a long-running judge (a proxy) stays bounded.
MAX_DISTINCT = 500


@dataclass
class Failure:
    """One way a check failed (or a warning was raised): the request (minimal when
    Hypothesis shrank it) and the answer."""

    check: str
    message: str
    request: Request | None
    response: Response | None
    label: str
    credential: str
    phase: str
    minimal: bool
    flaky: bool = False
    cut_short: bool = False
    """The time budget ran out before Hypothesis could shrink it."""
    sent_with: Credential | None = None
    """The credential sent, by kind (`label` says it for people): to keep it as a case."""

    @property
    def size(self) -> int:
        return len(self.request.body) if self.request is not None else 0

    @property
    def kind(self) -> tuple[str, str, str]:
        """What makes two failures of one check distinct: the message, and the kind of
        request and credential that met it. (Two warnings differ by their message.)"""
        return (self.message, self.label, self.credential)


def failure_from(call: Call, check: str, message: str, phase: str, minimal: bool) -> Failure:
    return Failure(
        check=check,
        message=message,
        request=call.request,
        response=call.response,
        label=call.label,
        credential=call.credential.label,
        phase=phase,
        minimal=minimal,
        sent_with=call.credential,
    )


@dataclass
class Result:
    """A check's (or a warning's) verdict over every call it judged."""

    check: Check
    state: str
    runs: int
    failures: list[Failure] = field(default_factory=list)
    """Every distinct failure kept, smallest request first."""
    note: str = ""
    calls: int = 0
    """The calls that failed it (or raised it), distinct or not."""
    complete: bool = True
    """False when more distinct failures were found than `failures` keeps (MAX_DISTINCT)."""

    @property
    def name(self) -> str:
        return self.check.name


@dataclass
class _Tally:
    by_message: bool = False
    """Tell failures apart by their message alone (warnings), not by their requests too."""
    calls: int = 0
    distinct: dict[tuple[str, str, str], Failure] = field(default_factory=dict)
    complete: bool = True

    def add(self, failure: Failure) -> None:
        self.calls += 1
        kind = (failure.message, "", "") if self.by_message else failure.kind
        known = self.distinct.get(kind)
        if known is None:
            if len(self.distinct) < MAX_DISTINCT:
                self.distinct[kind] = failure
            else:
                self.complete = False
        elif (failure.size, not failure.minimal) < (known.size, not known.minimal):
            self.distinct[kind] = failure

    def sorted(self) -> list[Failure]:
        return sorted(self.distinct.values(), key=lambda f: (f.size, not f.minimal))


class Findings:
    """Everything the judged calls showed. Thread-safe."""

    def __init__(self, contract: Contract, max_ids: int | None = None) -> None:
        self.contract = contract
        self.runs: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.phases: Counter[str] = Counter()
        self._failures: dict[str, _Tally] = {}
        self._warnings: dict[str, _Tally] = {}
        # The ids seen, oldest first; beyond max_ids (a long-lived judge, a proxy's) the
        # oldest are forgotten.
        self._ids: OrderedDict[Any, None] = OrderedDict()
        self._max_ids = max_ids
        self._lock = threading.Lock()

    # --- feeding it ---------------------------------------------------------------------

    def judge(self, call: Call, phase: str) -> list[Failure]:
        """Run every check and warning on one call; count what ran, keep the warnings and
        the run-level failures (an id given twice). The per-call checks that failed are
        returned, not kept: `add` keeps one (the runner keeps Hypothesis' shrunk failures
        instead), `record` keeps them all."""
        return self._judge(call, phase)[0]

    def record(self, call: Call, phase: str) -> list[Failure]:
        """Judge one call and keep every failure it showed; return them, the run-level
        ones included."""
        failures, run_level = self._judge(call, phase)
        for failure in failures:
            self.add(failure)
        return failures + run_level

    def _judge(self, call: Call, phase: str) -> tuple[list[Failure], list[Failure]]:
        applied, failed = evaluate(call)
        checked, raised = evaluate(call, WARNINGS)
        run_level: list[Failure] = []
        with self._lock:
            self.phases[phase] += 1
            self.runs.update(c.name for c in applied + checked)
            for warning, message in raised:
                self._warnings.setdefault(warning.name, _Tally(by_message=True)).add(
                    failure_from(call, warning.name, message, phase, minimal=False)
                )
            if not call.outside_contract:
                self.statuses[call.response.status] += 1
                if call.created:
                    run_level = self._remember_ids(call, phase)
        failures = [failure_from(call, c.name, text, phase, minimal=False) for c, text in failed]
        return failures, run_level

    def add(self, failure: Failure) -> None:
        with self._lock:
            self._tally(self._failures, failure.check).add(failure)

    def unanswered(self, phase: str) -> None:
        """A request that got no response at all (its failure is added by the caller)."""
        with self._lock:
            self.phases[phase] += 1
            self.runs["not_a_server_error"] += 1

    def _tally(self, tallies: dict[str, _Tally], name: str) -> _Tally:
        return tallies.setdefault(name, _Tally())

    def _remember_ids(self, call: Call, phase: str) -> list[Failure]:
        """Remember the created contact's ids; the failures of those given before (kept)."""
        found: list[Failure] = []
        body = call.json()
        if not isinstance(body, dict):
            return found
        for name in self.contract.id_fields:
            value = body.get(name)
            try:
                key = (name, value if not isinstance(value, list | dict) else repr(value))
                hash(key)
            except TypeError:
                continue
            self.runs["unique_ids"] += 1
            if key not in self._ids:
                self._ids[key] = None
                if self._max_ids is not None and len(self._ids) > self._max_ids:
                    self._ids.popitem(last=False)
                continue
            message = f"{shown(name)} {shown(value)} was given to two contacts"
            failure = failure_from(call, "unique_ids", message, phase, minimal=False)
            self._tally(self._failures, "unique_ids").add(failure)
            found.append(failure)
        return found

    # --- reading it ---------------------------------------------------------------------

    def results(
        self, options: Mapping[str, str | None] | None = None, required: tuple[int, ...] = ()
    ) -> list[Result]:
        """Every check's result. `options`: the options given (a check that needs one
        missing is not run); `required`: the status codes status_code_coverage wants seen."""
        given = options or {}
        with self._lock:
            self.runs["status_code_coverage"] = sum(self.statuses.values())
            results = []
            for check in CHECKS:
                tally = self._failures.get(check.name, _Tally())
                if check.name == "status_code_coverage":
                    tally = self._coverage(required)
                lacking = [o for o in check.needs if not given.get(o)]
                if lacking:
                    flags = ", ".join("--" + o.replace("_", "-") for o in lacking)
                    results.append(Result(check, NOT_RUN, 0, note=f"needs {flags}"))
                else:
                    results.append(self._result(check, FAILED, tally))
            return results

    def warning_results(self) -> list[Result]:
        """Every warning's result: WARNED when a call raised it."""
        with self._lock:
            return [self._result(w, WARNED, self._warnings.get(w.name, _Tally())) for w in WARNINGS]

    def _coverage(self, required: tuple[int, ...]) -> _Tally:
        tally = _Tally()
        missing = [code for code in required if not self.statuses[code]]
        if missing:
            never = ", ".join(str(code) for code in missing)
            tally.add(
                Failure(
                    "status_code_coverage",
                    f"never observed: {never}",
                    None,
                    None,
                    "",
                    "",
                    "the whole run",
                    minimal=False,
                )
            )
        return tally

    def _result(self, check: Check, failing: str, tally: _Tally) -> Result:
        """`failing` (FAILED, WARNED) when a call failed the rule, else PASSED, or NOT_RUN
        when no call it applies to was judged."""
        runs = self.runs[check.name]
        if not tally.calls:
            if runs == 0:
                return Result(check, NOT_RUN, 0, note="no request it applies to was sent")
            return Result(check, PASSED, runs)
        return Result(
            check,
            failing,
            max(runs, tally.calls),
            tally.sorted(),
            calls=tally.calls,
            complete=tally.complete,
        )

    def sent(self) -> int:
        """Calls judged, or sent without an answer."""
        with self._lock:
            return sum(self.phases.values())
