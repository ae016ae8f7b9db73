"""Runs the suite against one target: cases first (--cases), then fixed examples, then
generated phases.

Each generated phase is one Hypothesis test: it draws requests, sends them, runs the
checks on every answer and raises when a check fails. Hypothesis then shrinks every
distinct failure (a distinct set of failing checks) to a minimal request, which is what
the report shows. Every call is judged and counted by `findings.Findings`, which also
judges the run-level checks (unique ids, status-code coverage) and the warnings.

With a time budget (`--max-time`), the cases and the fixed examples always run whole;
the generated phases share what is left, each stopping cleanly when its share is spent:
what it found by then is reported, its smallest failing request for each failure.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from http import HTTPStatus
from pathlib import Path

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from contacts_core.cases import Case
from contract_tests import cases, fixed
from contract_tests import strategies as s
from contract_tests.checks import Call
from contract_tests.config import Config
from contract_tests.contract import JSON, Contract, contract
from contract_tests.findings import (
    FAILED,
    NOT_RUN,
    PASSED,
    WARNED,
    Failure,
    Findings,
    Result,
)
from contract_tests.http import (
    Client,
    Request,
    TargetLost,
    TransportError,
)
from contract_tests.oracle import Verdict, judge
from contract_tests.strategies import Keys

__all__ = [
    "CASES", "FAILED", "FIXED", "NOT_RUN", "PASSED", "WARNED", "Keys", "Outcome", "Runner", "run"
]  # fmt: skip

CASES, FIXED = "cases", "fixed examples"
COVERAGE = "status_code_coverage"

# How a phase ended.
DONE, OUT_OF_TIME, NO_TIME_LEFT, STOPPED = (
    "done",
    "stopped by the time budget",
    "not run: no time left",
    "stopped",
)


@dataclass
class PhaseRun:
    """How one phase went: requests sent, seconds taken, the share of a time budget it
    was given (None: no budget), and how it ended."""

    name: str
    requests: int = 0
    seconds: float = 0.0
    budget: float | None = None
    end: str = ""


@dataclass
class Outcome:
    config: Config
    target: str
    embedded: bool
    seed: int
    results: list[Result]
    warnings: list[Result]
    statuses: dict[int, int]
    documented: tuple[int, ...]
    required: tuple[int, ...]
    phases: dict[str, PhaseRun]
    requests: int
    duration: float
    keys: Keys
    unsent: tuple[str, ...] = ()
    """The cases not sent, each with its file and line and why (a key not given)."""

    @property
    def ok(self) -> bool:
        """The run passes: no check failed (and, with --warnings-as-errors, no warning)."""
        return not self.failed and not (self.config.warnings_as_errors and self.warned)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.state == FAILED]

    @property
    def warned(self) -> list[Result]:
        return [r for r in self.warnings if r.state == WARNED]

    def result(self, name: str) -> Result:
        return next(r for r in [*self.results, *self.warnings] if r.name == name)


class CheckFailed(Exception):
    """Raised into Hypothesis when a check fails; one subclass per check (see `failure_type`),
    so that Hypothesis tells failures of different checks apart and shrinks each."""

    check = ""

    def __init__(self, message: str, failure: Failure) -> None:
        super().__init__(f"{self.check}: {message}")
        self.failure = failure


class TimeUp(BaseException):
    """A phase's share of the time budget is spent. A BaseException, like TargetLost, so
    that Hypothesis stops at once instead of taking it for a failing example."""


@cache
def failure_type(check: str) -> type[CheckFailed]:
    return type(f"CheckFailed[{check}]", (CheckFailed,), {"check": check})


def _flatten(error: BaseException, flaky: bool = False) -> Iterator[tuple[CheckFailed, bool]]:
    if isinstance(error, CheckFailed):
        yield error, flaky
    elif isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _flatten(inner, flaky or isinstance(error, FlakyFailure))


Progress = Callable[[str, str, int], None]


def _quiet(event: str, phase: str, count: int) -> None:
    pass


class Runner:
    def __init__(
        self,
        config: Config,
        base_url: str,
        keys: Keys,
        progress: Progress = _quiet,
        cases: tuple[Case, ...] = (),
    ) -> None:
        self.config = config
        self.cases = cases
        self.unsent: list[str] = []
        self.contract = contract()
        self.base_url = base_url
        self.keys = keys
        self.progress = progress
        self.client = Client(config.request_timeout, config.rate_limit, verify=not config.insecure)
        self.findings = Findings(self.contract)
        self.seed = config.seed if config.seed is not None else random.randrange(2**32)
        self._stop = threading.Event()
        # Workers overlap only while they wait for the target. Everything else (Hypothesis,
        # Schemathesis, the checks) runs one worker at a time: CPython 3.11's ast.parse,
        # which Hypothesis calls while building filtered strategies, is not thread-safe
        # ("AST constructor recursion depth mismatch"), and the GIL would serialize it anyway.
        self._turn = threading.Lock()
        self.phases: dict[str, PhaseRun] = {}
        self.deadline: float | None = None
        self._waiting_phases = 0
        self._budget_lock = threading.Lock()
        # Per generated phase, its smallest failing request for each distinct failure: what
        # is reported when the time budget stops the phase before Hypothesis has shrunk.
        self._smallest: dict[str, dict[tuple[str, str, str], Failure]] = {}
        main = s.credential(s.TOKEN, keys.token)
        self.main = main
        self.allowed = [main] + ([s.credential(s.ADMIN, keys.admin)] if keys.admin else [])
        self.others = [s.credential(s.NON_STAFF, keys.non_staff)] if keys.non_staff else []
        known = frozenset(keys.by_kind().values())
        self.look_alikes = s.look_alike_credentials(keys.by_kind(), known)

    # --- sending ---------------------------------------------------------------------------

    def send(self, probe: s.Probe, phase: str) -> Call:
        headers = []
        if probe.credential.header is not None:
            headers.append((self.contract.auth_header, probe.credential.header))
        if probe.payload.content_type is not None:
            headers.append(("Content-Type", probe.payload.content_type))
        url = self.base_url + (probe.path or self.contract.path)
        request = Request(self.contract.method, url, tuple(headers), probe.payload.body)
        try:
            with self._waiting():
                exchange = self.client.send(request)
        except TransportError as error:
            self.findings.unanswered(phase)
            raise _Unanswered(str(error), request, probe) from None
        verdict: Verdict = judge(probe.payload, self.contract)
        return Call(
            request=exchange.request,
            response=exchange.response,
            sent_at=exchange.sent_at,
            received_at=exchange.received_at,
            credential=probe.credential,
            verdict=verdict,
            label=probe.payload.label,
            contract=self.contract,
            clock_skew=self.config.clock_skew,
        )

    @contextmanager
    def _waiting(self) -> Iterator[None]:
        """Let another worker run while this one waits for an answer."""
        self._turn.release()
        try:
            yield
        finally:
            self._turn.acquire()

    def check(self, probe: s.Probe, phase: str) -> list[Failure]:
        """Send one probe on its own, outside the generated phases; how the checks failed."""
        with self._turn:
            return [error.failure for error in self.attempt(probe, phase)]

    def attempt(self, probe: s.Probe, phase: str) -> list[CheckFailed]:
        """Send one probe, run the checks; the failures, ready to raise."""
        if self._stop.is_set():
            raise TargetLost("stopped")
        try:
            call = self.send(probe, phase)
        except _Unanswered as error:
            failures = [
                Failure(
                    "not_a_server_error",
                    f"no response: {error.reason}",
                    error.request,
                    None,
                    probe.payload.label,
                    probe.credential.label,
                    phase,
                    minimal=False,
                    sent_with=probe.credential,
                )
            ]
        else:
            failures = self.findings.judge(call, phase)
            self.progress("tick", phase, self.findings.phases[phase])
        smallest = self._smallest.get(phase)
        if smallest is not None:
            for failure in failures:
                known = smallest.get(failure.kind)
                if known is None or failure.size < known.size:
                    smallest[failure.kind] = failure
        return [failure_type(f.check)(f.message, f) for f in failures]

    # --- phases --------------------------------------------------------------------------

    def fixed_probes(self) -> list[s.Probe]:
        """Requests every run sends: one per rule of the spec, the whole auth matrix (keys
        that resemble the valid ones included), and the document's heading path."""
        c = self.contract
        probes = [s.Probe(p, self.main) for p in fixed.boundary_payloads(c)]
        document = fixed.example_payloads(c)[0]
        empty = s.Payload(s.as_json({}), JSON, "an empty object")
        credentials = [
            s.credential_for(kind, self.keys) for kind in s.UNAUTHENTICATED if kind != s.LOOK_ALIKE
        ]
        for cred in [*filter(None, credentials), *self.allowed[1:], *self.others]:
            probes += [s.Probe(document, cred), s.Probe(empty, cred)]
        probes += [s.Probe(document, alike) for alike in self.look_alikes]
        if c.heading_path != c.path:
            probes.append(s.Probe(document, self.main, path=c.heading_path))
        return probes

    def generated_phases(self) -> list[tuple[str, st.SearchStrategy[s.Probe]]]:
        c = self.contract
        known = frozenset(self.keys.by_kind().values())

        def main(payloads: st.SearchStrategy[s.Payload]) -> st.SearchStrategy[s.Probe]:
            return payloads.map(lambda p: s.Probe(p, self.main))

        credentials = s.either(
            s.unauthenticated(self.keys.token, known, self.look_alikes),
            st.sampled_from(self.allowed + self.others),
        )
        bodies = s.either(s.valid_payloads(c), s.invalid_payloads(c))
        # Slowest first (Schemathesis' negative bodies cost the most to generate), so that
        # with several workers the run ends soonest.
        return [
            ("Schemathesis negative", main(s.schemathesis_payloads(negative=True))),
            ("Schemathesis positive", main(s.schemathesis_payloads(negative=False))),
            ("invalid requests", main(s.invalid_payloads(c))),
            ("auth matrix", st.builds(s.Probe, bodies, credentials)),
            ("valid bodies", main(s.valid_payloads(c))),
        ]

    def run_cases(self) -> None:
        """Send every case as it is, each judged by the oracle and every check. A case
        whose key was not given is not sent; `unsent` says which and why."""
        probes = []
        for case in self.cases:
            try:
                probe = cases.probe(case, self.keys)
            except cases.MissingKey as reason:
                self.unsent.append(f"{case.where}: {reason}")
                continue
            # The report names a failing case by its label, file and line.
            where = replace(probe.payload, label=f"case {case.label!r} at {case.where}")
            probes.append(replace(probe, payload=where))
        self.send_all(CASES, probes)

    def run_fixed(self) -> None:
        self.send_all(FIXED, self.fixed_probes())

    def send_all(self, phase: str, probes: list[s.Probe]) -> None:
        """A phase that sends each probe once, whole, whatever the time budget."""
        self.phases[phase] = PhaseRun(phase)
        self.progress("start", phase, 0)
        started = time.monotonic()
        with self._turn:
            for probe in probes:
                for error in self.attempt(probe, phase):
                    self.findings.add(error.failure)
        self._ended(phase, started, DONE)
        self.progress("done", phase, self.findings.phases[phase])

    def _budget(self, workers: int) -> float | None:
        """The seconds a phase starting now may take: what is left of the budget, shared
        with the phases not started yet (the workers run them side by side)."""
        if self.deadline is None:
            return None
        with self._budget_lock:
            rounds = math.ceil(self._waiting_phases / workers)
            self._waiting_phases -= 1
        return max(0.0, (self.deadline - time.monotonic()) / rounds)

    def explore(self, phase: str, strategy: st.SearchStrategy[s.Probe], workers: int = 1) -> None:
        budget = self._budget(workers)
        started = time.monotonic()
        self.phases[phase] = PhaseRun(phase, budget=budget)
        if budget is not None and budget <= 0:
            self._ended(phase, started, NO_TIME_LEFT)
            return
        self.progress("start", phase, 0)
        until = started + budget if budget is not None else math.inf
        if budget is not None:
            self._smallest[phase] = {}

        def test(probe: s.Probe) -> None:
            if time.monotonic() >= until:
                raise TimeUp()
            errors = self.attempt(probe, phase)
            if errors:
                raise ExceptionGroup(phase, errors)

        wrapped = given(strategy)(test)
        wrapped = settings(
            max_examples=self.config.max_examples,
            database=None,
            deadline=None,
            derandomize=False,
            phases=(Phase.generate, Phase.shrink),
            report_multiple_bugs=True,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(wrapped)
        wrapped = seed(self.seed)(wrapped)
        end = DONE
        try:
            with self._turn:
                wrapped()
        except TargetLost:
            self._stop.set()
            end = STOPPED
            raise
        except TimeUp:
            end = OUT_OF_TIME
            for failure in self._smallest[phase].values():
                failure.cut_short = True
                self.findings.add(failure)
        except Exception as error:
            found = list(_flatten(error))
            if not found:
                raise
            for failed, flaky in found:
                failed.failure.minimal = True
                failed.failure.flaky = flaky
                self.findings.add(failed.failure)
        finally:
            self._ended(phase, started, end)
            self.progress("done", phase, self.findings.phases[phase])

    def _ended(self, phase: str, started: float, end: str) -> None:
        record = self.phases[phase]
        record.requests = self.findings.phases[phase]
        record.seconds = time.monotonic() - started
        record.end = end

    # --- the run -------------------------------------------------------------------------

    def run(self) -> Outcome:
        started = time.monotonic()
        if self.config.max_time is not None:
            self.deadline = started + self.config.max_time
        self.client.probe(self.base_url + self.contract.path)
        try:
            if self.cases:
                self.run_cases()
            if self.config.cases_only:
                return self.outcome(time.monotonic() - started)
            self.run_fixed()
            phases = self.generated_phases()
            workers = min(self.config.workers, len(phases))
            self._waiting_phases = len(phases)
            with ThreadPoolExecutor(workers, thread_name_prefix="phase") as pool:
                futures = [
                    pool.submit(self.explore, name, strategy, workers) for name, strategy in phases
                ]
                try:
                    for future in futures:
                        future.result()
                except BaseException:
                    self._stop.set()  # the other workers stop at their next request
                    raise
            done = [CASES, FIXED, *(name for name, _ in phases)]
            self.phases = {name: self.phases[name] for name in done if name in self.phases}
        finally:
            self.client.close()
        return self.outcome(time.monotonic() - started)

    def outcome(self, duration: float) -> Outcome:
        f = self.findings
        documented = self.contract.statuses
        wanted = [self.contract.success, HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED]
        if self.keys.non_staff:
            wanted.append(HTTPStatus.FORBIDDEN)
        required = tuple(sorted(int(code) for code in wanted if int(code) in documented))
        if self.config.cases_only:
            required = ()  # a few chosen requests say nothing of which codes a backend gives
        options = {"admin_token": self.keys.admin, "non_staff_token": self.keys.non_staff}
        results = f.results(options, required)
        if self.config.cases_only:
            note = "only cases were sent (--cases-only)"
            results = [
                Result(r.check, NOT_RUN, 0, note=note) if r.name == COVERAGE else r for r in results
            ]
        return Outcome(
            config=self.config,
            target=self.base_url,
            embedded=self.config.embedded,
            seed=self.seed,
            results=results,
            warnings=f.warning_results(),
            statuses=dict(sorted(f.statuses.items())),
            documented=documented,
            required=required,
            phases=self.phases,
            requests=self.client.sent,
            duration=duration,
            keys=self.keys,
            unsent=tuple(self.unsent),
        )


class _Unanswered(Exception):
    def __init__(self, reason: str, request: Request, probe: s.Probe) -> None:
        super().__init__(reason)
        self.reason, self.request, self.probe = reason, request, probe


def _keys_for_mock(tokens: dict[str, str], c: Contract) -> Keys:
    """The embedded mock's keys: one for each role the spec allows (the admin one as
    --admin-token) and one for a role it does not."""
    roles = c.operation.roles
    allowed = [k for k, r in tokens.items() if r in roles]
    main = next((k for k, r in tokens.items() if r in roles and r != s.ADMIN), allowed[0])
    admin = next((k for k, r in tokens.items() if r in roles and r == s.ADMIN), None)
    other = next((k for k, r in tokens.items() if r not in roles), None)
    return Keys(main, admin, other)


@contextmanager
def target(config: Config) -> Iterator[tuple[str, Keys]]:
    """The base URL and keys to test: --base-url and the keys given, or a fresh embedded
    mock and its keys, served until the block ends."""
    if config.base_url is not None:
        assert config.token is not None
        yield config.base_url, Keys(config.token, config.admin_token, config.non_staff_token)
        return
    from mock_server.embedded import EmbeddedMock

    with EmbeddedMock() as mock:
        yield mock.url, _keys_for_mock(dict(mock.settings.tokens), contract())


def saved_text(outcome: Outcome, directory: Path) -> str:
    """Save the run's failures as cases in `directory` (see `cases.save`); what was saved,
    in a line. Raises CaseError, OSError."""
    found = [*outcome.results, *outcome.warnings]
    saved = cases.save(found, outcome.target, outcome.keys, directory)
    if not saved:
        return f"Cases: no new failure to save in {directory}"
    files = ", ".join(f"{path.name} ({count})" for path, count in saved)
    total = sum(count for _, count in saved)
    return f"Cases: {total} new failure(s) saved in {directory}: {files}"


def run(config: Config, progress: Progress = _quiet) -> Outcome:
    """Run the suite as configured: against --base-url, or against a fresh embedded mock.

    Raises CaseError (before anything is sent) when a case file cannot be read,
    TargetUnreachable when the target does not answer at all, TargetLost when it stops
    answering during the run.
    """
    loaded = tuple(cases.load(config.cases))
    with target(config) as (base_url, keys):
        return Runner(config, base_url, keys, progress, loaded).run()
