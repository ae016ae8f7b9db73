"""Runs the suite against one target: fixed examples first, then generated phases.

Each generated phase is one Hypothesis test: it draws requests, sends them, runs the
checks on every answer and raises when a check fails. Hypothesis then shrinks every
distinct failure (a distinct set of failing checks) to a minimal request, which is what
the report shows. The run-level checks (unique ids, status-code coverage) are judged by
the Recorder over every call of the run.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyFailure

from contract_tests import fixed
from contract_tests import strategies as s
from contract_tests.checks import CHECKS, Call, Check, evaluate
from contract_tests.config import Config
from contract_tests.contract import JSON, Contract, contract
from contract_tests.http import (
    Client,
    Request,
    Response,
    TargetLost,
    TransportError,
)
from contract_tests.oracle import Verdict, judge
from contract_tests.strategies import Keys

PASSED, FAILED, NOT_RUN = "passed", "failed", "not run"
FIXED = "fixed examples"


@dataclass
class Failure:
    """One way a check failed: the request (minimal when Hypothesis shrank it) and answer."""

    check: str
    message: str
    request: Request | None
    response: Response | None
    label: str
    credential: str
    phase: str
    minimal: bool
    flaky: bool = False

    @property
    def size(self) -> int:
        return len(self.request.body) if self.request is not None else 0


@dataclass
class Result:
    check: Check
    state: str
    runs: int
    failures: list[Failure] = field(default_factory=list)
    note: str = ""

    @property
    def name(self) -> str:
        return self.check.name


@dataclass
class Outcome:
    config: Config
    target: str
    embedded: bool
    seed: int
    results: list[Result]
    statuses: dict[int, int]
    documented: tuple[int, ...]
    required: tuple[int, ...]
    phases: dict[str, int]
    requests: int
    duration: float
    keys: Keys

    @property
    def ok(self) -> bool:
        return all(r.state != FAILED for r in self.results)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.state == FAILED]

    def result(self, name: str) -> Result:
        return next(r for r in self.results if r.name == name)


class CheckFailed(Exception):
    """Raised into Hypothesis when a check fails; one subclass per check (see `failure_type`),
    so that Hypothesis tells failures of different checks apart and shrinks each."""

    check = ""

    def __init__(self, message: str, failure: Failure) -> None:
        super().__init__(f"{self.check}: {message}")
        self.failure = failure


@cache
def failure_type(check: str) -> type[CheckFailed]:
    return type(f"CheckFailed[{check}]", (CheckFailed,), {"check": check})


def _flatten(error: BaseException, flaky: bool = False) -> Iterator[tuple[CheckFailed, bool]]:
    if isinstance(error, CheckFailed):
        yield error, flaky
    elif isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _flatten(inner, flaky or isinstance(error, FlakyFailure))


class Recorder:
    """Everything the run saw: how often each check ran, the statuses, the ids, failures."""

    def __init__(self, contract: Contract, max_ids: int | None = None) -> None:
        self.contract = contract
        self.runs: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.phases: Counter[str] = Counter()
        self.failures: dict[str, list[Failure]] = {}
        # The ids seen, oldest first; beyond max_ids (a long-lived recorder, the proxy's)
        # the oldest are forgotten.
        self._ids: OrderedDict[Any, None] = OrderedDict()
        self._max_ids = max_ids
        self._lock = threading.Lock()

    def observe(self, call: Call, applied: list[Check], phase: str) -> None:
        with self._lock:
            self.phases[phase] += 1
            self.statuses[call.response.status] += 1
            self.runs.update(c.name for c in applied)
            if call.created:
                self._remember_ids(call, phase)

    def _remember_ids(self, call: Call, phase: str) -> None:
        body = call.json()
        if not isinstance(body, dict):
            return
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
            message = f"{name} {value!r} was given to two contacts"
            self._add(failure_from(call, "unique_ids", message, phase, minimal=False))

    def add(self, failure: Failure) -> None:
        with self._lock:
            self._add(failure)

    def _add(self, failure: Failure) -> None:
        self.failures.setdefault(failure.check, []).append(failure)

    def unanswered(self, phase: str) -> None:
        with self._lock:
            self.phases[phase] += 1
            self.runs["not_a_server_error"] += 1


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
    )


Progress = Callable[[str, str, int], None]


def _quiet(event: str, phase: str, count: int) -> None:
    pass


class Runner:
    def __init__(
        self, config: Config, base_url: str, keys: Keys, progress: Progress = _quiet
    ) -> None:
        self.config = config
        self.contract = contract()
        self.base_url = base_url
        self.url = base_url + self.contract.path
        self.keys = keys
        self.progress = progress
        self.client = Client(config.request_timeout, config.rate_limit, verify=not config.insecure)
        self.recorder = Recorder(self.contract)
        self.seed = config.seed if config.seed is not None else random.randrange(2**32)
        self._stop = threading.Event()
        # Workers overlap only while they wait for the target. Everything else (Hypothesis,
        # Schemathesis, the checks) runs one worker at a time: CPython 3.11's ast.parse,
        # which Hypothesis calls while building filtered strategies, is not thread-safe
        # ("AST constructor recursion depth mismatch"), and the GIL would serialize it anyway.
        self._turn = threading.Lock()
        self.phase_order = [FIXED]
        main = s.credential(s.TOKEN, keys.token)
        self.main = main
        self.allowed = [main] + ([s.credential(s.ADMIN, keys.admin)] if keys.admin else [])
        self.others = [s.credential(s.NON_STAFF, keys.non_staff)] if keys.non_staff else []

    # --- sending ---------------------------------------------------------------------------

    def send(self, probe: s.Probe, phase: str) -> Call:
        headers = []
        if probe.credential.header is not None:
            headers.append((self.contract.auth_header, probe.credential.header))
        if probe.payload.content_type is not None:
            headers.append(("Content-Type", probe.payload.content_type))
        request = Request(self.contract.method, self.url, tuple(headers), probe.payload.body)
        try:
            with self._waiting():
                exchange = self.client.send(request)
        except TransportError as error:
            self.recorder.unanswered(phase)
            raise _Unanswered(str(error), request, probe) from None
        verdict: Verdict = judge(probe.payload, self.contract)
        call = Call(
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
        return call

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
            failure = Failure(
                "not_a_server_error",
                f"no response: {error.reason}",
                error.request,
                None,
                probe.payload.label,
                probe.credential.label,
                phase,
                minimal=False,
            )
            return [failure_type("not_a_server_error")(failure.message, failure)]
        applied, failed = evaluate(call)
        self.recorder.observe(call, applied, phase)
        self.progress("tick", phase, self.recorder.phases[phase])
        return [
            failure_type(c.name)(message, failure_from(call, c.name, message, phase, minimal=False))
            for c, message in failed
        ]

    # --- phases --------------------------------------------------------------------------

    def fixed_probes(self) -> list[s.Probe]:
        """Requests every run sends: one per rule of the spec, and the whole auth matrix."""
        c = self.contract
        probes = [s.Probe(p, self.main) for p in fixed.boundary_payloads(c)]
        document = fixed.example_payloads(c)[0]
        empty = s.Payload(s.as_json({}), JSON, "an empty object")
        credentials = [s.credential_for(kind, self.keys) for kind in s.UNAUTHENTICATED]
        for cred in [*filter(None, credentials), *self.allowed[1:], *self.others]:
            probes += [s.Probe(document, cred), s.Probe(empty, cred)]
        return probes

    def generated_phases(self) -> list[tuple[str, st.SearchStrategy[s.Probe]]]:
        c = self.contract
        known = frozenset(k for k in (self.keys.token, self.keys.admin, self.keys.non_staff) if k)

        def main(payloads: st.SearchStrategy[s.Payload]) -> st.SearchStrategy[s.Probe]:
            return payloads.map(lambda p: s.Probe(p, self.main))

        credentials = s.either(
            s.unauthenticated(self.keys.token, known), st.sampled_from(self.allowed + self.others)
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

    def run_fixed(self) -> None:
        self.progress("start", FIXED, 0)
        with self._turn:
            for probe in self.fixed_probes():
                for error in self.attempt(probe, FIXED):
                    self.recorder.add(error.failure)
        self.progress("done", FIXED, self.recorder.phases[FIXED])

    def explore(self, phase: str, strategy: st.SearchStrategy[s.Probe]) -> None:
        self.progress("start", phase, 0)

        def test(probe: s.Probe) -> None:
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
        try:
            with self._turn:
                wrapped()
        except TargetLost:
            self._stop.set()
            raise
        except Exception as error:
            found = list(_flatten(error))
            if not found:
                raise
            for failed, flaky in found:
                failed.failure.minimal = True
                failed.failure.flaky = flaky
                self.recorder.add(failed.failure)
        finally:
            self.progress("done", phase, self.recorder.phases[phase])

    # --- the run -------------------------------------------------------------------------

    def run(self) -> Outcome:
        started = time.monotonic()
        self.client.probe(self.url)
        try:
            self.run_fixed()
            phases = self.generated_phases()
            self.phase_order = [FIXED, *(name for name, _ in phases)]
            with ThreadPoolExecutor(self.config.workers, thread_name_prefix="phase") as pool:
                futures = [pool.submit(self.explore, name, strategy) for name, strategy in phases]
                try:
                    for future in futures:
                        future.result()
                except BaseException:
                    self._stop.set()  # the other workers stop at their next request
                    raise
        finally:
            self.client.close()
        return self.outcome(time.monotonic() - started)

    def outcome(self, duration: float) -> Outcome:
        rec = self.recorder
        documented = self.contract.statuses
        wanted = [self.contract.success, HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED]
        if self.keys.non_staff:
            wanted.append(HTTPStatus.FORBIDDEN)
        required = tuple(sorted(int(code) for code in wanted if int(code) in documented))
        missing = [code for code in required if not rec.statuses[code]]
        if missing:
            shown = ", ".join(str(code) for code in missing)
            rec.add(
                Failure(
                    "status_code_coverage",
                    f"never observed: {shown}",
                    None,
                    None,
                    "",
                    "",
                    "the whole run",
                    minimal=False,
                )
            )
        rec.runs["status_code_coverage"] = sum(rec.statuses.values())
        options = {
            "admin_token": self.keys.admin,
            "non_staff_token": self.keys.non_staff,
        }
        results = []
        for check in CHECKS:
            failures = sorted(
                rec.failures.get(check.name, []), key=lambda f: (f.size, not f.minimal)
            )
            lacking = [o for o in check.needs if not options.get(o)]
            if lacking:
                flags = ", ".join("--" + o.replace("_", "-") for o in lacking)
                results.append(Result(check, NOT_RUN, 0, note=f"needs {flags}"))
            elif failures:
                results.append(Result(check, FAILED, rec.runs[check.name], failures))
            elif rec.runs[check.name] == 0:
                results.append(Result(check, NOT_RUN, 0, note="no request it applies to was sent"))
            else:
                results.append(Result(check, PASSED, rec.runs[check.name]))
        return Outcome(
            config=self.config,
            target=self.base_url,
            embedded=self.config.embedded,
            seed=self.seed,
            results=results,
            statuses=dict(sorted(rec.statuses.items())),
            documented=documented,
            required=required,
            phases={name: rec.phases[name] for name in self.phase_order},
            requests=self.client.sent,
            duration=duration,
            keys=self.keys,
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
    from contract_tests.embedded import EmbeddedMock

    with EmbeddedMock() as mock:
        yield mock.url, _keys_for_mock(dict(mock.settings.tokens), contract())


def run(config: Config, progress: Progress = _quiet) -> Outcome:
    """Run the suite as configured: against --base-url, or against a fresh embedded mock.

    Raises TargetUnreachable when the target does not answer at all, TargetLost when it
    stops answering during the run.
    """
    with target(config) as (base_url, keys):
        return Runner(config, base_url, keys, progress).run()
