"""The phases of a run, as a registered catalogue, in the order they run.

Two kinds: a phase `sent whole` sends a fixed list of probes once, whatever the time
budget (the cases, the fixed examples); an `explored` phase is a Hypothesis strategy of
probes, explored within its share of the budget (see `exploration`). Every phase is built
from the same `Plan`: the contract and the credentials the keys given make.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from contract_tests import fixed
from contract_tests import strategies as s
from contract_tests.contract import JSON, Contract
from contract_tests.model import Credentials, Payload, Probe
from contract_tests.outcome import CASES, FIXED
from contract_tests.payloads import as_json


@dataclass
class Plan:
    """What every phase is built from."""

    contract: Contract
    credentials: Credentials
    case_probes: list[Probe] = field(default_factory=list)


@dataclass(frozen=True)
class WholePhase:
    name: str
    probes: Callable[[Plan], list[Probe]]


@dataclass(frozen=True)
class ExploredPhase:
    name: str
    strategy: Callable[[Plan], st.SearchStrategy[Probe]]


WHOLE: list[WholePhase] = []
EXPLORED: list[ExploredPhase] = []


def sent_whole(
    name: str,
) -> Callable[[Callable[[Plan], list[Probe]]], Callable[[Plan], list[Probe]]]:
    def add(build: Callable[[Plan], list[Probe]]) -> Callable[[Plan], list[Probe]]:
        WHOLE.append(WholePhase(name, build))
        return build

    return add


def explored(
    name: str,
) -> Callable[[Callable[[Plan], st.SearchStrategy[Probe]]], Callable[[Plan], Any]]:
    def add(build: Callable[[Plan], st.SearchStrategy[Probe]]) -> Callable[[Plan], Any]:
        EXPLORED.append(ExploredPhase(name, build))
        return build

    return add


def built_and_warmed(phase: ExploredPhase, plan: Plan) -> st.SearchStrategy[Probe]:
    """The phase's strategy, with one example drawn from it: Schemathesis and Hypothesis
    build most of a strategy (schemas, regexes) lazily, at its first draw. The draw has
    its own seed and no database, so the phase's own examples are the same with or
    without it."""
    strategy = phase.strategy(plan)

    @settings(
        max_examples=1,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @seed(0)
    @given(strategy)
    def draw(_: Probe) -> None:
        pass

    draw()
    return strategy


# --- sent whole -------------------------------------------------------------------------


@sent_whole(CASES)
def case_probes(plan: Plan) -> list[Probe]:
    """The cases given (--cases), each as it is."""
    return plan.case_probes


@sent_whole(FIXED)
def fixed_probes(plan: Plan) -> list[Probe]:
    """Requests every run sends: one per rule of the spec, the whole auth matrix (keys
    that resemble the valid ones included), the document's heading path, and each method
    the path does not declare."""
    c, creds = plan.contract, plan.credentials
    probes = [Probe(p, creds.main) for p in fixed.boundary_payloads(c)]
    document = fixed.example_payloads(c)[0]
    empty = Payload(as_json({}), JSON, "an empty object")
    for cred in [*creds.refused(), *creds.allowed[1:], *creds.others]:
        probes += [Probe(document, cred), Probe(empty, cred)]
    probes += [Probe(document, alike) for alike in creds.look_alikes]
    probes += [Probe(document, placed) for placed in creds.misplaced]
    if c.heading_path != c.path:
        probes.append(Probe(document, creds.main, path=c.heading_path))
    # HTTP header names are case-insensitive: a client may send them in lower case.
    probes.append(Probe(document, creds.main, content_type_name="content-type"))
    nothing = Payload(b"", None, "no body")
    probes += [Probe(nothing, creds.main, method=m) for m in c.operation.refused_methods]
    return probes


# --- explored, slowest first (Schemathesis' negative bodies cost the most to generate),
# so that with several workers the run ends soonest -------------------------------------


def _with_main_key(plan: Plan, payloads: st.SearchStrategy[Payload]) -> st.SearchStrategy[Probe]:
    main = plan.credentials.main
    return payloads.map(lambda p: Probe(p, main))


@explored("Schemathesis negative")
def schemathesis_negative(plan: Plan) -> st.SearchStrategy[Probe]:
    return _with_main_key(plan, s.schemathesis_payloads(negative=True))


@explored("Schemathesis positive")
def schemathesis_positive(plan: Plan) -> st.SearchStrategy[Probe]:
    return _with_main_key(plan, s.schemathesis_payloads(negative=False))


@explored("invalid requests")
def invalid_requests(plan: Plan) -> st.SearchStrategy[Probe]:
    return _with_main_key(plan, s.invalid_payloads(plan.contract))


@explored("auth matrix")
def auth_matrix(plan: Plan) -> st.SearchStrategy[Probe]:
    creds, c = plan.credentials, plan.contract
    credentials = s.either(
        s.unauthenticated(creds.keys.token, creds.known, creds.look_alikes),
        st.sampled_from(creds.allowed + creds.others + creds.misplaced),
    )
    bodies = s.either(s.valid_payloads(c), s.invalid_payloads(c))
    return st.builds(Probe, bodies, credentials)


@explored("valid bodies")
def valid_bodies(plan: Plan) -> st.SearchStrategy[Probe]:
    return _with_main_key(plan, s.valid_payloads(plan.contract))
