"""The engine: runs the phases against one target and turns what they found into an
`Outcome`. It owns the client, the schedule and the time budget.

Order: the cases (--cases), then the fixed examples, both sent whole whatever the
budget; then the set-up diagnosis (a wrong URL or key stops the run, see `diagnosis`);
then the explored phases, `workers` of them side by side, sharing what is left of the
budget: each gets a guaranteed share, and more when an earlier one ends early.

An explored phase's examples are drawn (and shrunk) in a worker process, a `Drawer`; each
comes back here to be sent and judged, by one thread of this process per drawer. Those
threads judge one at a time (`_turn`, which the GIL would impose anyway) and overlap
while they wait for the target.

The phases run in daemon threads while the calling thread only waits, so that an
interrupt (Ctrl-C, or SIGTERM turned into one by the command line) stops the run within
`GRACE` seconds even with a request in flight, and the run still reports what it found.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from http import HTTPStatus
from urllib.parse import urlencode

from contacts_core.cases import Case
from contract_tests import cases as cases_module
from contract_tests import drawing, phases
from contract_tests.checks import Call, Scope
from contract_tests.config import Config
from contract_tests.contract import Contract, contract
from contract_tests.coverage import Coverage
from contract_tests.diagnosis import Diagnosis
from contract_tests.drawing import Drawer, Job, Reservation
from contract_tests.events import PhaseFinished, PhaseStarted, Progress, RequestJudged, quiet
from contract_tests.exploration import Stopped
from contract_tests.findings import Findings
from contract_tests.http import Client, Request, TargetLost, TransportError
from contract_tests.model import ADMIN, Credentials, Failure, Keys, Payload, Probe
from contract_tests.oracle import judge
from contract_tests.outcome import (
    CASES,
    DONE,
    FIXED,
    INTERRUPTED,
    LOST,
    NO_TIME_LEFT,
    OUT_OF_TIME,
    STOPPED,
    Outcome,
    PhaseRun,
)
from contract_tests.payloads import with_key

__all__ = [
    "GRACE",
    "Engine",
    "Interrupted",
    "Unanswered",
    "build_request",
    "run",
    "signal_of",
    "target",
]

# The longest an interrupted run waits for the request in flight before it reports.
GRACE = 2.0


class Interrupted(KeyboardInterrupt):
    """The run was told to stop (`signal`: SIGINT, SIGTERM)."""

    def __init__(self, signal: str = "SIGINT") -> None:
        super().__init__(signal)
        self.signal = signal


def signal_of(interrupt: KeyboardInterrupt) -> str:
    """The signal an interrupt stands for: SIGTERM when the command line turned one into
    it, else Ctrl-C's SIGINT."""
    return interrupt.signal if isinstance(interrupt, Interrupted) else "SIGINT"


@dataclass
class Unanswered(Exception):
    """A request that got no response (a timeout, a reset connection)."""

    reason: str
    request: Request


class Engine:
    def __init__(
        self,
        config: Config,
        base_url: str,
        keys: Keys,
        progress: Progress = quiet,
        cases: tuple[Case, ...] = (),
    ) -> None:
        self.config = config
        self.contract: Contract = contract()
        self.base_url = base_url
        self.keys = keys
        self.progress = progress
        self.credentials = Credentials(keys)
        case_probes, self.unsent = cases_module.probes(cases, keys)
        self.plan = phases.Plan(self.contract, self.credentials, case_probes)
        self.has_cases = bool(cases)
        self.client = Client(config.request_timeout, config.rate_limit, verify=not config.insecure)
        self.required = required_statuses(self.contract, keys, config.cases_only)
        scope = Scope(self.required) if not config.cases_only else _cases_only_scope()
        self.findings = Findings(self.contract, scope)
        self.diagnosis = Diagnosis(self.contract, base_url)
        self.coverage = Coverage(self.contract, keys)
        self.seed = config.seed if config.seed is not None else random.randrange(2**32)
        self.phases: dict[str, PhaseRun] = {}
        self.deadline: float | None = None
        self._stop = threading.Event()
        self._turn = threading.Lock()
        self._budget_lock = threading.Lock()
        self._waiting_phases = 0
        self._problem: str | None = None
        self.interrupted: str | None = None
        self.lost: str | None = None
        """The signal that stopped the run, once one has."""

    # --- sending ---------------------------------------------------------------------------

    def send(self, probe: Probe) -> Call:
        """Send one probe and judge nothing yet: the call, with the oracle's verdict.
        Raises Unanswered when it gets no response."""
        request, payload = build_request(probe, self.base_url, self.contract)
        try:
            with self._waiting():
                exchange = self.client.send(request)
        except TransportError as error:
            raise Unanswered(str(error), request) from None
        return Call(
            request=exchange.request,
            response=exchange.response,
            sent_at=exchange.sent_at,
            received_at=exchange.received_at,
            credential=probe.credential,
            verdict=judge(payload, self.contract),
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

    def attempt(self, probe: Probe, phase: str) -> list[Failure]:
        """Send one probe (holding the turn), run the checks; how they failed. Raises
        Stopped when the run is stopping."""
        if self._stop.is_set():
            raise Stopped()
        try:
            call = self.send(probe)
        except Unanswered as error:
            failure = Failure(
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
            self.findings.unanswered(failure, phase, until_answered=True)
            return [failure]
        failures = self.findings.judge(call, phase)
        self.coverage.observe(call)
        if phase == FIXED:
            self.diagnosis.observe(probe, call.response)
        self.progress(RequestJudged(phase, self.findings.phases[phase]))
        return failures

    def call(self, probe: Probe) -> Call:
        """Send one probe on its own (a comparison's), judged by the oracle and by no check.
        Raises Unanswered when it gets no response."""
        with self._turn:
            return self.send(probe)

    def check(self, probe: Probe, phase: str) -> list[Failure]:
        """Send one probe and judge it, holding the turn: a drawer's example, or a probe
        sent outside a run (the pytest plugin's case items)."""
        with self._turn:
            return self.attempt(probe, phase)

    # --- phases ----------------------------------------------------------------------------

    def run_whole(self, phase: phases.WholePhase) -> None:
        """A phase that sends each probe once, whatever the time budget; every failure is
        kept as sent (built minimal: there is nothing to shrink)."""
        record = self._started(phase.name)
        end = DONE
        try:
            with self._turn:
                for probe in phase.probes(self.plan):
                    for failure in self.attempt(probe, phase.name):
                        if failure.response is not None:
                            self.findings.add(failure)
        except Stopped:
            end = INTERRUPTED if self.interrupted else STOPPED
            raise
        except TargetLost:
            end = LOST
            raise
        finally:
            self._ended(record, end)

    def run_explored(self, phase: phases.ExploredPhase, workers: int, drawer: Drawer) -> None:
        budget = self._budget(workers)
        record = self._started(phase.name, budget)
        if budget is not None and budget <= 0:
            self._ended(record, NO_TIME_LEFT)
            return
        until = time.monotonic() + budget if budget is not None else math.inf
        end = DONE
        try:
            job = Job(phase.name, self.keys, self.config.max_examples, self.seed, until)
            explored = drawer.explore(job, lambda probe: self.check(probe, phase.name))
            for failure in explored.failures:
                self.findings.add(failure)
            end = OUT_OF_TIME if explored.out_of_time else DONE
        except Stopped:
            end = INTERRUPTED if self.interrupted else STOPPED
            raise
        except TargetLost:
            end = LOST
            self._stop.set()  # the other workers stop at their next request
            raise
        finally:
            self._ended(record, end)

    def _budget(self, workers: int) -> float | None:
        """The seconds a phase starting now may take: what is left of the budget, shared
        with the phases not started yet (the workers run them side by side)."""
        if self.deadline is None:
            return None
        with self._budget_lock:
            rounds = math.ceil(self._waiting_phases / workers)
            self._waiting_phases -= 1
        return max(0.0, (self.deadline - time.monotonic()) / rounds)

    def _started(self, name: str, budget: float | None = None) -> PhaseRun:
        record = self.phases[name] = PhaseRun(name, budget=budget, started=time.monotonic())
        self.progress(PhaseStarted(name))
        return record

    def _ended(self, record: PhaseRun, end: str) -> None:
        record.requests = self.findings.phases[record.name]
        record.seconds = time.monotonic() - record.started
        record.end = end
        self.progress(PhaseFinished(record.name, record.requests, record.seconds))

    # --- the run ---------------------------------------------------------------------------

    def stop(self, signal: str = "SIGINT") -> None:
        """Stop the run at the next request: what was found so far is reported."""
        self.interrupted = signal
        self._stop.set()

    def run(self) -> Outcome:
        """Run every phase; the outcome. Raises TargetUnreachable when the target does not
        answer at all. A target that stops answering during the run (TargetLost), or an
        interrupt (KeyboardInterrupt, within GRACE seconds), ends the run: its outcome says
        so, with what was found until then."""
        started = time.monotonic()
        if self.config.max_time is not None:
            self.deadline = started + self.config.max_time
        errors: list[BaseException] = []
        worker = threading.Thread(
            target=self._guarded, args=(self._run_phases, errors), name="run", daemon=True
        )
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.1)
        except KeyboardInterrupt as interrupt:
            self.stop(signal_of(interrupt))
            worker.join(GRACE)
        finally:
            self.client.close()
        if errors and self.interrupted is None:
            if not isinstance(errors[0], TargetLost):
                raise errors[0]
            # What was judged before the target went is kept, and reported as such.
            self.lost = _lost(errors[0], self.findings.withdraw())
        self.findings.settle()
        ended = self._problem is None and self.interrupted is None and self.lost is None
        if ended and not self.findings.sent():
            # Only cases were to be sent, and none was: that judges nothing, passes nothing.
            self._problem = cases_module.nothing_sent(self.config.cases, self.unsent)
        return self.outcome(time.monotonic() - started)

    def _run_phases(self) -> None:
        self.client.probe(self.base_url + self.contract.path)
        explored = [] if self.config.cases_only else list(phases.EXPLORED)
        # The drawers start and build the explored phases' strategies while the phases
        # sent whole run, so that each explored phase sends its first request at once.
        count = min(self.config.workers, len(explored))
        names = [phase.name for phase in explored]
        with drawing.reserved(count, self.keys, names) as reservation:
            self._run_all(explored, reservation)

    def _run_all(self, explored: list[phases.ExploredPhase], reservation: Reservation) -> None:
        for phase in phases.WHOLE:
            if (phase.name == CASES and self.has_cases) or (
                phase.name != CASES and not self.config.cases_only
            ):
                self.run_whole(phase)
        if self.config.cases_only:
            return
        self._problem = self.diagnosis.problem()
        if self._problem is not None:
            return
        drawers = reservation.drawers()
        workers = len(drawers)
        self._waiting_phases = len(explored)
        pending = list(explored)
        lock = threading.Lock()
        errors: list[BaseException] = []

        def work(drawer: Drawer) -> None:
            while not self._stop.is_set():
                with lock:
                    if not pending:
                        return
                    phase = pending.pop(0)
                self.run_explored(phase, workers, drawer)

        threads = [
            threading.Thread(
                target=self._guarded,
                args=(lambda drawer=drawer: work(drawer), errors),
                name=f"phase-{n}",
                daemon=True,
            )
            for n, drawer in enumerate(drawers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _guarded(self, work: Callable[[], None], errors: list[BaseException]) -> None:
        try:
            work()
        except Stopped:
            pass
        except BaseException as error:
            self._stop.set()
            errors.append(error)

    def _cut_short(self) -> str:
        """Why the run ended before it sent everything it meant to, if it did."""
        if self.interrupted is not None:
            return f"the run was interrupted ({self.interrupted})"
        if self.lost is not None:
            return "the target stopped answering"
        return ""

    def outcome(self, duration: float) -> Outcome:
        f = self.findings
        for record in list(self.phases.values()):
            if not record.end:  # still running when the run was interrupted
                self._ended(record, INTERRUPTED)
        order = [CASES, FIXED, *(p.name for p in phases.EXPLORED)]
        return Outcome(
            config=self.config,
            target=self.base_url,
            embedded=self.config.embedded,
            seed=self.seed,
            results=f.results(self.keys.options(), self._cut_short()),
            warnings=f.warning_results(),
            statuses=dict(sorted(f.statuses.items())),
            documented=self.contract.statuses,
            required=self.required,
            phases={name: self.phases[name] for name in order if name in self.phases},
            requests=self.client.sent,
            duration=duration,
            keys=self.keys,
            unsent=tuple(self.unsent),
            diagnosis=self._problem,
            interrupted=self.interrupted,
            lost=self.lost,
            coverage=self.coverage.summary(),
        )


def _lost(error: TargetLost, unanswered: list[Failure]) -> str:
    """Why the run ended: the error, and the first request the target did not answer (it
    may be what brought the backend down)."""
    if not unanswered:
        return str(error)
    first = unanswered[0]
    return f"{error}; the first request it did not answer: {first.label} ({first.phase})"


def build_request(probe: Probe, base_url: str, c: Contract) -> tuple[Request, Payload]:
    """The request a probe sends to `base_url`, and its payload as sent (a key put in the
    body is part of it, and the oracle judges what is sent)."""
    headers = []
    if probe.credential.header is not None:
        headers.append((c.auth_header, probe.credential.header))
    if probe.payload.content_type is not None:
        headers.append((probe.content_type_name, probe.payload.content_type))
    url = base_url + (probe.path or c.path)
    payload = probe.payload
    if probe.credential.placed is not None:
        place, key = probe.credential.placed
        match place.where:
            case "query":
                url += f"?{urlencode({place.name: key})}"
            case "cookie":
                headers.append(("Cookie", f"{place.name}={key}"))
            case "header":
                headers.append((place.name, key))
            case "body":
                payload = replace(payload, body=with_key(payload.body, place.name, key))
    return Request(probe.method or c.method, url, tuple(headers), payload.body), payload


def _cases_only_scope() -> Scope:
    # A few chosen requests say nothing of which codes a backend gives.
    return Scope(required=None, not_judged="only cases were sent (--cases-only)")


def required_statuses(c: Contract, keys: Keys, cases_only: bool) -> tuple[int, ...]:
    """The status codes status_code_coverage wants seen: the success, 400, 401, and 403
    when a key without the permission was given; none for a run of cases alone."""
    if cases_only:
        return ()
    wanted = [c.success, HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED]
    if keys.non_staff:
        wanted.append(HTTPStatus.FORBIDDEN)
    return tuple(sorted(int(code) for code in wanted if int(code) in c.statuses))


def keys_for_mock(tokens: dict[str, str], c: Contract) -> Keys:
    """The embedded mock's keys: one for each role the spec allows (the admin one as
    --admin-token) and one for a role it does not."""
    roles = c.operation.roles
    allowed = [k for k, r in tokens.items() if r in roles]
    main = next((k for k, r in tokens.items() if r in roles and r != ADMIN), allowed[0])
    admin = next((k for k, r in tokens.items() if r in roles and r == ADMIN), None)
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
    from mock_server.embedded import EmbeddedMock  # the only use of the mock

    with EmbeddedMock() as mock:
        yield mock.url, keys_for_mock(dict(mock.settings.tokens), contract())


def run(config: Config, progress: Progress = quiet) -> Outcome:
    """Run the suite as configured: against --base-url, or against a fresh embedded mock.

    Raises CaseError (before anything is sent) when a case file cannot be read, and
    TargetUnreachable when the target does not answer at all; a target that stops
    answering during the run ends it, and its outcome says so (`Outcome.lost`).
    """
    loaded = tuple(cases_module.load(config.cases))
    if not config.cases_only:
        drawing.start(config.workers)
    with target(config) as (base_url, keys):
        return Engine(config, base_url, keys, progress, loaded).run()
