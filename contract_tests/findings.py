"""What judged calls found: how often each check and warning ran and failed, the statuses
seen, and every distinct failure and warning.

The suite's engine feeds it every call it sends; anything else that judges calls (a
validating proxy, say) can feed it its own, one call at a time, and get the same results
and report (see `report.from_findings`):

    findings = Findings(contract(), Scope(required=None, not_judged="live traffic"))
    findings.record(call, "live traffic")   # run every check and warning, keep what failed
    results, warnings = findings.results(), findings.warning_results()

Every failing call is counted; of the failures, the distinct ones are kept (a message,
and the kind of request and credential that met it), the smallest request first.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from contract_tests.checks import CHECKS, Call, Check, RunLevel, Scope, evaluate
from contract_tests.client_warnings import WARNINGS
from contract_tests.contract import Contract
from contract_tests.model import FAILED, NOT_RUN, PASSED, WARNED, Failure

__all__ = ["MAX_DISTINCT", "Distinct", "Findings", "Result", "Scope", "failure_from"]

# Distinct failures kept per check or warning; beyond, they are counted, not kept, so
# that a long-running judge (a proxy) stays bounded.
MAX_DISTINCT = 500
WHOLE_RUN = "the whole run"


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
class Distinct:
    """The distinct failures of one check (or warning) kept, bounded."""

    by_message: bool = False
    """Tell failures apart by their message alone (warnings), not by their requests too."""
    distinct: dict[tuple[str, str, str], Failure] = field(default_factory=dict)
    complete: bool = True

    def add(self, failure: Failure) -> None:
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

    def __init__(self, contract: Contract, scope: Scope | None = None) -> None:
        self.contract = contract
        self.scope = scope or Scope()
        self.runs: Counter[str] = Counter()
        self.failed: Counter[str] = Counter()
        """Calls that failed each check or raised each warning."""
        self.statuses: Counter[int] = Counter()
        self.phases: Counter[str] = Counter()
        self._kept: dict[str, Distinct] = {}
        self._warnings: dict[str, Distinct] = {}
        self._run_level: dict[str, RunLevel] = {
            c.name: c.run_level(self.scope) for c in CHECKS if c.run_level is not None
        }
        self._unsettled: list[Failure] = []
        """Requests that got no response since the target last answered (see `unanswered`)."""
        self._lock = threading.Lock()

    # --- feeding it ---------------------------------------------------------------------

    def judge(self, call: Call, phase: str) -> list[Failure]:
        """Run every check and warning on one call and count what ran and failed; keep the
        warnings and the run-level failures (an id given twice). The per-call failures
        are returned, not kept: `add` keeps the ones to show (a generated phase keeps
        Hypothesis' shrunk failures instead), `record` keeps them all."""
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
        failures = [failure_from(call, c.name, text, phase, minimal=False) for c, text in failed]
        run_level: list[Failure] = []
        with self._lock:
            self._settle()  # the target answers: what it did not answer before was its own
            self.phases[phase] += 1
            self.runs.update(c.name for c in applied + checked)
            self.failed.update(c.name for c, _ in failed + raised)
            for warning, message in raised:
                self._warnings.setdefault(warning.name, Distinct(by_message=True)).add(
                    failure_from(call, warning.name, message, phase, minimal=False)
                )
            if not call.outside_contract:
                self.statuses[call.response.status] += 1
            for name, rule in self._run_level.items():
                messages = rule.observe(call)
                if messages is None:
                    continue
                self.runs[name] += 1
                for message in messages:
                    failure = failure_from(call, name, message, phase, minimal=False)
                    self.failed[name] += 1
                    self._keep(name).add(failure)
                    run_level.append(failure)
        return failures, run_level

    def add(self, failure: Failure) -> None:
        """Keep a failure to show (already counted when its call was judged)."""
        with self._lock:
            if failure.response is None and self._unsettled:
                return  # kept as sent if it is settled, dropped if it is withdrawn
            self._keep(failure.check).add(failure)

    def unanswered(self, failure: Failure, phase: str, until_answered: bool = False) -> None:
        """A request that got no response at all: a failure of not_a_server_error.

        `until_answered`: counted only once the target is seen answering again, or at
        `settle`. A target that never answers again was lost, and a request sent to a
        lost target says nothing of the contract: `withdraw` drops those."""
        with self._lock:
            self.phases[phase] += 1
            self._unsettled.append(failure)
            if not until_answered:
                self._settle()

    def settle(self) -> None:
        """Count every request still waiting for the target to answer again as failed."""
        with self._lock:
            self._settle()

    def withdraw(self) -> list[Failure]:
        """Drop the requests that got no response since the target last answered (it is
        lost); they are returned, the first one first."""
        with self._lock:
            withdrawn, self._unsettled = self._unsettled, []
        return withdrawn

    def _settle(self) -> None:
        for failure in self._unsettled:
            self.runs[failure.check] += 1
            self.failed[failure.check] += 1
            self._keep(failure.check).add(failure)
        self._unsettled.clear()

    def _keep(self, name: str) -> Distinct:
        return self._kept.setdefault(name, Distinct())

    # --- reading it ---------------------------------------------------------------------

    def results(
        self, options: Mapping[str, str | None] | None = None, cut_short: str = ""
    ) -> list[Result]:
        """Every check's result. `options`: the options given (a check that needs one
        missing is not run). `cut_short`: why the run ended before it sent everything, if
        it did; the checks that judge a whole run are then not run, and say so."""
        given = options or {}
        with self._lock:
            results = []
            for check in CHECKS:
                lacking = [o for o in check.needs if not given.get(o)]
                if lacking:
                    flags = ", ".join("--" + o.replace("_", "-") for o in lacking)
                    results.append(Result(check, NOT_RUN, 0, note=f"needs {flags}"))
                elif check.whole_run and cut_short:
                    results.append(
                        Result(check, NOT_RUN, 0, note=f"needs the whole run; {cut_short}")
                    )
                elif check.run_level is not None:
                    results.append(self._run_level_result(check))
                else:
                    results.append(self._result(check, FAILED, self._kept.get(check.name)))
            return results

    def warning_results(self) -> list[Result]:
        """Every warning's result: WARNED when a call raised it."""
        with self._lock:
            return [self._result(w, WARNED, self._warnings.get(w.name)) for w in WARNINGS]

    def _run_level_result(self, check: Check) -> Result:
        messages = self._run_level[check.name].verdict()
        if messages is None:
            return Result(check, NOT_RUN, 0, note=self.scope.not_judged)
        held = self._kept.get(check.name) or Distinct()
        kept = Distinct(
            distinct=dict(held.distinct), complete=held.complete
        )  # reading changes nothing
        for message in messages:
            kept.add(Failure(check.name, message, None, None, "", "", WHOLE_RUN, minimal=False))
        return self._result(check, FAILED, kept, extra=len(messages))

    def _result(self, check: Check, failing: str, kept: Distinct | None, extra: int = 0) -> Result:
        """`failing` (FAILED, WARNED) when a call failed the rule, else PASSED, or NOT_RUN
        when no call it applies to was judged."""
        runs = self.runs[check.name]
        calls = self.failed[check.name] + extra
        if not calls:
            if runs == 0:
                return Result(check, NOT_RUN, 0, note="no request it applies to was sent")
            return Result(check, PASSED, runs)
        kept = kept or Distinct()
        return Result(
            check,
            failing,
            max(runs, calls),
            kept.sorted(),
            calls=calls,
            complete=kept.complete,
        )

    def sent(self) -> int:
        """Calls judged, or sent without an answer."""
        with self._lock:
            return sum(self.phases.values())
