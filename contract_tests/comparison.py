"""Is the mock still the backend? The same requests to both, every difference named.

The suite's engine with two targets and a comparison in place of the checks: the same
phases (the cases given, the fixed examples, then a generated sample within the time
budget) are sent to the mock and to the backend, request by request, and each pair of
answers is compared (`differences.compare`). A difference found by a generated phase
is shrunk by Hypothesis to a minimal request, as a failing check is. The set-up
diagnosis of the suite runs on both sides: a wrong key or URL is not a difference.

`--recording FILE` alone needs no backend: the recorded requests are sent to the mock and
its answers compared with the answers the backend gave, which the recording holds.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from contacts_core.cases import Case, recorded_body
from contract_tests import cases as case_files
from contract_tests import drawing, phases
from contract_tests.checks import Check
from contract_tests.config import Config
from contract_tests.contract import contract
from contract_tests.diagnosis import Diagnosis
from contract_tests.differences import (
    DESCRIPTIONS,
    KINDS,
    STATUS,
    Difference,
    compare,
    recorded_response,
)
from contract_tests.drawing import Drawer, Job
from contract_tests.engine import GRACE, Engine, Unanswered, keys_for_mock, signal_of
from contract_tests.events import PhaseFinished, PhaseStarted, Progress, RequestJudged, quiet
from contract_tests.exploration import Stopped
from contract_tests.findings import Distinct, Result
from contract_tests.http import Request, Response, TargetLost, TargetUnreachable
from contract_tests.model import FAILED, PASSED, WARNED, Failure, Keys, Probe
from contract_tests.outcome import (
    CASES,
    DONE,
    FIXED,
    INTERRUPTED,
    NO_TIME_LEFT,
    OUT_OF_TIME,
    PhaseRun,
)

DEFAULT_FAIL_ON = ("status", "shape")
# Without --max-time, the generated sample takes this long (the fixed examples and the
# cases always run whole).
DEFAULT_SAMPLE_SECONDS = 30.0
RECORDED = "recorded exchanges"
BACKEND, MOCK = "the backend", "the mock"


@dataclass(frozen=True)
class CompareConfig:
    suite: Config
    """The suite's options: --base-url (the backend), the keys, the budget, the reports."""
    mock_url: str | None = None
    """The mock to compare with; None: an embedded one, with the backend's keys."""
    recording: tuple[Path, ...] = ()
    """Proxy recordings to replay against the mock (no backend then)."""
    fail_on: tuple[str, ...] = DEFAULT_FAIL_ON


@dataclass
class ComparisonOutcome:
    config: CompareConfig
    backend: str
    mock: str
    embedded: bool
    seed: int
    keys: Keys
    results: list[Result]
    pairs: int
    differing: int
    """The pairs answered differently (of any kind)."""
    statuses: dict[int, int]
    phases: dict[str, PhaseRun]
    duration: float
    diagnosis: str | None = None
    recorded: int = 0
    """With --recording: the exchanges replayed; `pairs` of them were compared."""
    unsent: tuple[str, ...] = ()
    interrupted: str | None = None
    """The signal that stopped the comparison (SIGINT, SIGTERM): what ran is reported."""

    @property
    def failing(self) -> list[Result]:
        return [r for r in self.results if r.state == FAILED]

    @property
    def ok(self) -> bool:
        return self.diagnosis is None and self.interrupted is None and not self.failing


def _reach(name: str, side: Engine) -> None:
    """Raise TargetUnreachable, naming the side, unless it answers."""
    try:
        side.client.probe(side.base_url + side.contract.path)
    except TargetUnreachable as error:
        raise TargetUnreachable(f"{name}: {error}") from None


def _kind_check(kind: str) -> Check:
    return Check(kind, "differences", DESCRIPTIONS[kind], None, lambda call: False)


CHECKS_BY_KIND = {kind: _kind_check(kind) for kind in KINDS}


@dataclass
class _Tally:
    calls: Counter[str] = field(default_factory=Counter)
    kept: dict[str, Distinct] = field(default_factory=lambda: {k: Distinct() for k in KINDS})


class Comparison:
    """Sends each probe to the mock and to the backend and compares the answers."""

    def __init__(
        self,
        config: CompareConfig,
        backend_url: str,
        mock_url: str,
        keys: Keys,
        progress: Progress = quiet,
        loaded: tuple[Case, ...] = (),
    ) -> None:
        self.config = config
        self.backend = Engine(config.suite, backend_url, keys, quiet, loaded)
        self.mock = Engine(config.suite, mock_url, keys, quiet, loaded)
        # Its set-up advice names the option that gave its URL.
        self.mock.diagnosis = Diagnosis(self.mock.contract, mock_url, "--mock-url")
        self.progress = progress
        self.keys = keys
        self.tally = _Tally()
        self.pairs = 0
        self.differing = 0
        self.statuses: Counter[int] = Counter()
        self.phases: dict[str, PhaseRun] = {}
        self.diagnosis: str | None = None
        # Set when the comparison is interrupted: the next pair is not sent.
        self._stop = threading.Event()

    # --- one pair --------------------------------------------------------------------------

    def attempt(self, probe: Probe, phase: str) -> list[Failure]:
        """Send the probe to both sides; its differences, as failures of their kind (the
        backend's request and answer, the mock's beside them). Raises Stopped once the
        comparison is interrupted."""
        if self._stop.is_set():
            raise Stopped()
        ours = self._send(MOCK, self.mock, probe)
        theirs = self._send(BACKEND, self.backend, probe)
        if phase == FIXED:
            for side, sent in ((self.mock, ours), (self.backend, theirs)):
                if isinstance(sent[1], Response):
                    side.diagnosis.observe(probe, sent[1])
        found = self._differences(ours, theirs)
        self.pairs += 1
        self.differing += bool(found)
        if isinstance(theirs[1], Response):
            self.statuses[theirs[1].status] += 1
        self.progress(RequestJudged(phase, self.pairs))
        failures = [
            Failure(
                difference.kind,
                difference.message,
                theirs[0],
                theirs[1] if isinstance(theirs[1], Response) else None,
                probe.payload.label,
                probe.credential.label,
                phase,
                minimal=False,
                sent_with=probe.credential,
                counterpart=(ours[0], ours[1] if isinstance(ours[1], Response) else None),
            )
            for difference in found
        ]
        for failure in failures:
            self.tally.calls[failure.check] += 1
        return failures

    @staticmethod
    def _send(name: str, side: Engine, probe: Probe) -> tuple[Request, Response | str]:
        try:
            call = side.call(probe)
        except Unanswered as error:
            return error.request, error.reason
        except TargetLost as lost:
            raise TargetLost(f"{name}: {lost}") from None
        return call.request, call.response

    def _differences(
        self, ours: tuple[Request, Response | str], theirs: tuple[Request, Response | str]
    ) -> list[Difference]:
        mine, yours = ours[1], theirs[1]
        if isinstance(mine, Response) and isinstance(yours, Response):
            return compare(self.backend.contract, mine, yours)
        if isinstance(mine, str) and isinstance(yours, str):
            return []
        if isinstance(mine, str):
            assert isinstance(yours, Response)
            return [
                Difference(STATUS, f"the mock gave no answer ({mine}), the backend {yours.status}")
            ]
        return [
            Difference(STATUS, f"the mock answers {mine.status}, the backend gave none ({yours})")
        ]

    def keep(self, failures: list[Failure]) -> None:
        for failure in failures:
            self.tally.kept[failure.check].add(failure)

    # --- phases ----------------------------------------------------------------------------

    @contextmanager
    def _phase(self, name: str, budget: float | None = None) -> Iterator[PhaseRun]:
        record = self.phases[name] = PhaseRun(name, budget=budget, started=time.monotonic())
        before = self.pairs
        self.progress(PhaseStarted(name))
        try:
            yield record
        finally:
            record.requests = self.pairs - before
            record.seconds = time.monotonic() - record.started
            record.end = record.end or DONE
            self.progress(PhaseFinished(name, record.requests, record.seconds))

    def run_whole(self, name: str, probes: list[Probe]) -> None:
        with self._phase(name):
            for probe in probes:
                self.keep(self.attempt(probe, name))

    def run_sample(self, seconds: float, drawer: Drawer) -> None:
        explored = list(phases.EXPLORED)
        deadline = time.monotonic() + seconds
        for number, phase in enumerate(explored):
            share = max(0.0, (deadline - time.monotonic()) / (len(explored) - number))
            with self._phase(phase.name, share) as record:
                if share <= 0:
                    record.end = NO_TIME_LEFT
                    continue
                name = phase.name
                so_far: list[Failure] = []

                def attempt(
                    probe: Probe, name: str = name, so_far: list[Failure] = so_far
                ) -> list[Failure]:
                    failures = self.attempt(probe, name)
                    so_far.extend(failures)
                    return failures

                suite = self.config.suite
                job = Job(
                    name, self.keys, suite.max_examples, self.backend.seed, record.started + share
                )
                try:
                    found = drawer.explore(job, attempt)
                except Stopped:
                    # Interrupted mid-phase: what it found until then is reported.
                    self.keep(so_far)
                    record.end = INTERRUPTED
                    raise
                self.keep(found.failures)
                record.end = OUT_OF_TIME if found.out_of_time else DONE

    def run(self) -> ComparisonOutcome:
        """Compare every phase's pairs; the outcome. Raises TargetUnreachable when a side
        does not answer at all. An interrupt (KeyboardInterrupt) ends the comparison
        within GRACE seconds, and its outcome says so."""
        started = time.monotonic()
        _reach(MOCK, self.mock)
        _reach(BACKEND, self.backend)
        errors: list[BaseException] = []
        # In a thread of its own, as the suite's engine runs, so that an interrupt reaches
        # this thread, not Hypothesis' engine in the middle of a phase.
        worker = threading.Thread(
            target=self._compare, args=(started, errors), name="compare", daemon=True
        )
        worker.start()
        interrupted = None
        try:
            while worker.is_alive():
                worker.join(0.1)
        except KeyboardInterrupt as interrupt:
            interrupted = signal_of(interrupt)
            self._stop.set()
            worker.join(GRACE)
        finally:
            for side in (self.mock, self.backend):
                side.client.close()
        if errors and interrupted is None:
            raise errors[0]
        return self.outcome(time.monotonic() - started, self.diagnosis, interrupted)

    def _compare(self, started: float, errors: list[BaseException]) -> None:
        try:
            if self.backend.has_cases:
                self.run_whole(CASES, self.backend.plan.case_probes)
            if not self.config.suite.cases_only:
                # The drawer builds the strategies while the fixed examples are compared.
                names = [phase.name for phase in phases.EXPLORED]
                with drawing.reserved(1, self.keys, names) as reservation:
                    self.run_whole(FIXED, phases.fixed_probes(self.backend.plan))
                    self.diagnosis = self._diagnosis()
                    if self.diagnosis is None:
                        budget = self.config.suite.max_time
                        seconds = DEFAULT_SAMPLE_SECONDS if budget is None else budget
                        left = max(0.0, seconds - (time.monotonic() - started))
                        self.run_sample(left, reservation.drawers()[0])
        except Stopped:
            pass
        except BaseException as error:
            errors.append(error)

    def _diagnosis(self) -> str | None:
        for name, side in ((BACKEND, self.backend), (MOCK, self.mock)):
            problem = side.diagnosis.problem()
            if problem is not None:
                return f"{name}: {problem}"
        return None

    def outcome(
        self, duration: float, diagnosis: str | None = None, interrupted: str | None = None
    ) -> ComparisonOutcome:
        return ComparisonOutcome(
            config=self.config,
            backend=self.backend.base_url,
            mock=self.mock.base_url,
            embedded=self.config.mock_url is None,
            seed=self.backend.seed,
            keys=self.keys,
            results=results(self.tally, self.pairs, self.config.fail_on),
            pairs=self.pairs,
            differing=self.differing,
            statuses=dict(sorted(self.statuses.items())),
            phases=self.phases,
            duration=duration,
            diagnosis=diagnosis,
            unsent=tuple(self.backend.unsent),
            interrupted=interrupted,
        )


def results(tally: _Tally, pairs: int, fail_on: tuple[str, ...]) -> list[Result]:
    """One result per kind of difference: failed (a kind --fail-on names), warned (any
    other kind), or passed."""
    out = []
    for kind in KINDS:
        calls = tally.calls[kind]
        if not calls:
            out.append(Result(CHECKS_BY_KIND[kind], PASSED, pairs))
            continue
        state = FAILED if kind in fail_on else WARNED
        kept = tally.kept[kind]
        out.append(
            Result(
                CHECKS_BY_KIND[kind],
                state,
                pairs,
                kept.sorted(),
                calls=calls,
                complete=kept.complete,
            )
        )
    return out


# --- a recording, replayed against the mock ------------------------------------------------


def replay_recording(
    config: CompareConfig,
    mock_url: str,
    keys: Keys,
    recorded: list[Case],
    progress: Progress = quiet,
) -> ComparisonOutcome:
    """Each recorded exchange's request sent to the mock, its answer compared with the
    backend's answer the recording holds."""
    started = time.monotonic()
    mock = Engine(config.suite, mock_url, keys)
    _reach(MOCK, mock)
    tally, statuses, unsent = _Tally(), Counter[int](), []
    compared = differing = 0
    record = PhaseRun(RECORDED, started=started)
    progress(PhaseStarted(RECORDED))
    interrupted = None
    try:
        for case in recorded:
            answer = (case.seen or {}).get("response")
            if answer is None:
                unsent.append(f"{case.where}: the recording holds no answer to compare with")
                continue
            try:
                probe = case_files.probe(case, keys)
            except case_files.MissingKey as reason:
                unsent.append(f"{case.where}: {reason}")
                continue
            theirs = recorded_response(answer, recorded_body(answer))
            statuses[theirs.status] += 1
            try:
                call = mock.call(probe)
            except Unanswered as error:
                found = [
                    Difference(
                        STATUS,
                        f"the mock gave no answer ({error.reason}), the backend {theirs.status}",
                    )
                ]
                request, ours = error.request, None
            else:
                found = compare(mock.contract, call.response, theirs)
                request, ours = call.request, call.response
            compared += 1
            differing += bool(found)
            progress(RequestJudged(RECORDED, compared))
            for difference in found:
                failure = Failure(
                    difference.kind,
                    difference.message,
                    request,
                    ours,
                    f"{case.label} ({case.where})",
                    probe.credential.label,
                    RECORDED,
                    minimal=False,
                    sent_with=probe.credential,
                )
                tally.calls[difference.kind] += 1
                tally.kept[difference.kind].add(failure)
    except KeyboardInterrupt as interrupt:
        interrupted = signal_of(interrupt)
    finally:
        mock.client.close()
    record.requests, record.seconds = compared, time.monotonic() - started
    record.end = DONE if interrupted is None else INTERRUPTED
    progress(PhaseFinished(RECORDED, compared, record.seconds))
    diagnosis = None
    if not compared and interrupted is None:
        diagnosis = case_files.nothing_sent(config.recording, unsent, "recorded exchange")
    return ComparisonOutcome(
        config=config,
        backend="the recording",
        mock=mock_url,
        embedded=config.mock_url is None,
        seed=mock.seed,
        keys=keys,
        results=results(tally, compared, config.fail_on),
        pairs=compared,
        differing=differing,
        statuses=dict(sorted(statuses.items())),
        phases={RECORDED: record},
        duration=time.monotonic() - started,
        diagnosis=diagnosis,
        recorded=len(recorded),
        unsent=tuple(unsent),
        interrupted=interrupted,
    )


# --- the run -------------------------------------------------------------------------------


@contextmanager
def mock_target(config: CompareConfig) -> Iterator[tuple[str, Keys]]:
    """The mock to compare with and the keys to send: --mock-url with the keys given; an
    embedded mock given the keys given, with their roles (--token staff, --admin-token
    admin, --non-staff-token user); or, with no key given (a recording alone), an
    embedded mock with its built-in keys."""
    suite = config.suite
    given = Keys(suite.token, suite.admin_token, suite.non_staff_token) if suite.token else None
    if config.mock_url is not None:
        assert given is not None  # the command line requires --token with --mock-url
        yield config.mock_url, given
        return
    from mock_server.embedded import EmbeddedMock  # the only use of the mock
    from mock_server.settings import Settings

    if given is None:
        with EmbeddedMock() as mock:
            yield mock.url, keys_for_mock(dict(mock.settings.tokens), contract())
        return
    roles = (("staff", given.token), ("admin", given.admin), ("user", given.non_staff))
    with EmbeddedMock(Settings(tokens={key: role for role, key in roles if key})) as mock:
        yield mock.url, given


def run_comparison(config: CompareConfig, progress: Progress = quiet) -> ComparisonOutcome:
    """Compare as configured. Raises CaseError before anything is sent when a case file
    or the recording cannot be read, TargetUnreachable when a side does not answer."""
    loaded = tuple(case_files.load(config.suite.cases))
    if config.recording:
        recorded = case_files.load(config.recording)
        with mock_target(config) as (mock_url, keys):
            return replay_recording(config, mock_url, keys, recorded, progress)
    assert config.suite.base_url is not None
    if not config.suite.cases_only:
        drawing.start(1)
    with mock_target(config) as (mock_url, keys):
        return Comparison(config, config.suite.base_url, mock_url, keys, progress, loaded).run()


__all__ = ["DEFAULT_FAIL_ON", "CompareConfig", "Comparison", "ComparisonOutcome", "run_comparison"]
