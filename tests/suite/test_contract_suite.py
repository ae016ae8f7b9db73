"""The contract suite gates: it passes the correct mock and fails every faulty one,
naming the check the fault is expected to trip; a fault the contract allows but clients
trip over raises its warning, and fails no check."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests import cases, drawing, phases
from contract_tests.checks import CHECKS, by_name
from contract_tests.client_warnings import WARNINGS
from contract_tests.config import Config
from contract_tests.contract import contract
from contract_tests.engine import Engine
from contract_tests.model import FAILED, NOT_RUN, PASSED, Keys
from contract_tests.outcome import CASES, FIXED, NO_TIME_LEFT, OUT_OF_TIME, Outcome
from mock_server import faults
from mock_server.embedded import EmbeddedMock
from mock_server.settings import Settings
from tests.support.processes import running_mock

pytestmark = pytest.mark.process

SEED = 20260115
# Enough for the correct mock to meet every check many times; the faults need fewer:
# every rule of the spec is also probed by the fixed examples.
CORRECT_EXAMPLES = 60
FAULT_EXAMPLES = 10
KEYS = Keys("staff-token", "admin-token", "user-token")
# Python's spelling of JSON values, which messages must never show.
PYTHON_VALUES = re.compile(r"\b(True|False|None)\b")


def run_against(mock: EmbeddedMock, max_examples: int) -> Outcome:
    config = Config(
        base_url=mock.url,
        token="staff-token",
        max_examples=max_examples,
        seed=SEED,
    )
    keys = Keys("staff-token", mock.key("admin"), mock.key("user"))
    return Engine(config, mock.url, keys).run()


def saved_cases(outcome: Outcome, folder: Path) -> str:
    found = [*outcome.results, *outcome.warnings]
    return cases.saved_text(found, outcome.target, outcome.keys, folder)


def replay(mock: EmbeddedMock, folder: Path) -> Outcome:
    """The cases of a folder alone (--cases-only): no fixed example, nothing generated."""
    config = Config(base_url=mock.url, token="staff-token", cases=(folder,), cases_only=True)
    loaded = tuple(cases.load(config.cases))
    return Engine(config, mock.url, KEYS, cases=loaded).run()


@pytest.fixture(scope="module")
def correct_mock() -> Iterator[EmbeddedMock]:
    with EmbeddedMock() as mock:
        yield mock


@pytest.fixture(scope="module")
def correct_outcome() -> Iterator[Outcome]:
    with EmbeddedMock() as mock:
        yield run_against(mock, CORRECT_EXAMPLES)


@pytest.mark.slow
def test_correct_mock_passes_every_check(correct_outcome: Outcome) -> None:
    states = {r.name: r.state for r in correct_outcome.results}
    assert states == dict.fromkeys(states, PASSED), [
        (r.name, r.failures[0].message) for r in correct_outcome.failed
    ]
    assert correct_outcome.ok


def test_every_check_ran_on_the_correct_mock(correct_outcome: Outcome) -> None:
    for result in correct_outcome.results:
        assert result.runs > 0, result.name
    assert {r.name for r in correct_outcome.results} == {c.name for c in CHECKS}


def test_no_warning_on_the_correct_mock(correct_outcome: Outcome) -> None:
    states = {w.name: w.state for w in correct_outcome.warnings}
    assert states == {w.name: PASSED for w in WARNINGS}, [
        (w.name, w.failures[0].message) for w in correct_outcome.warned
    ]
    assert all(w.runs > 0 for w in correct_outcome.warnings)
    # The heading path was sent once, and is judged by the warnings only.
    assert correct_outcome.result("heading_path_served").runs == 1


def test_every_look_alike_key_got_401(correct_outcome: Outcome) -> None:
    # Ten kinds for each of the three keys, each sent once with the document's example.
    assert correct_outcome.result("authentication_required").runs >= 5 + 3 * 10


def test_client_facing_status_codes_were_all_seen(correct_outcome: Outcome) -> None:
    assert correct_outcome.required == (201, 400, 401, 403)
    for code in (201, 400, 401, 403, 413, 415):
        assert correct_outcome.statuses[code] > 0, code
    # 405 cannot be documented on an operation: the methods the path does not declare
    # get it, and nothing else does.
    assert set(correct_outcome.statuses) <= {*correct_outcome.documented, 405}
    assert correct_outcome.statuses[405] == len(contract().operation.refused_methods)


def test_generated_phases_ran_their_budget(correct_outcome: Outcome) -> None:
    generated = {k: v for k, v in correct_outcome.phases.items() if k != FIXED}
    assert len(generated) == 5
    assert all(p.requests >= CORRECT_EXAMPLES for p in generated.values()), generated
    assert all(p.end == "done" and p.budget is None for p in generated.values())


def test_checks_needing_keys_are_not_run_without_them() -> None:
    with EmbeddedMock() as mock:
        config = Config(base_url=mock.url, token="staff-token", max_examples=5, seed=SEED)
        outcome = Engine(config, mock.url, Keys("staff-token")).run()
    not_run = {r.name: r.note for r in outcome.results if r.state == NOT_RUN}
    assert not_run == {
        "permission_enforced": "needs --non-staff-token",
        "admin_key_accepted": "needs --admin-token",
    }
    assert outcome.required == (201, 400, 401)
    assert outcome.ok


@pytest.mark.slow
@pytest.mark.parametrize("name", list(faults.catalogue()))
def test_every_fault_is_caught_by_its_check_and_its_cases_replay(
    name: str, correct_mock: EmbeddedMock, tmp_path: Path
) -> None:
    fault = faults.get(name)
    with EmbeddedMock(Settings(port=0, fault=name)) as mock:
        outcome = run_against(mock, FAULT_EXAMPLES)
        saved = saved_cases(outcome, tmp_path)
        replayed = replay(mock, tmp_path)
    # A fault is the backend's, never taken for the run's own set-up.
    assert outcome.diagnosis is None, outcome.diagnosis
    # What the run found, kept as cases, fails again in the same way on the same backend,
    # by itself; the correct mock passes every case.
    assert f"{fault.caught_by}.jsonl" in saved, saved
    again = {r.name for r in [*replayed.failed, *replayed.warned]}
    assert fault.caught_by in again, f"{name}: the replay found {sorted(again)}"
    assert replayed.phases.keys() == {CASES}
    fine = replay(correct_mock, tmp_path)
    assert fine.ok, [(r.name, r.failures[0].message) for r in fine.failed]
    assert fine.warned == []
    failed = {r.name: r for r in outcome.failed}
    warned = {r.name: r for r in outcome.warned}
    if fault.warning:
        # Allowed by the letter of the contract: only the warning says something is wrong.
        assert fault.caught_by in warned, f"{name} raised no warning; raised: {sorted(warned)}"
        assert failed == {}, f"{name} failed checks: {sorted(failed)}"
        assert outcome.ok
        found = warned[fault.caught_by]
    else:
        assert fault.caught_by in failed, f"{name} slipped through; failed: {sorted(failed)}"
        assert not outcome.ok
        found = failed[fault.caught_by]
    failure = found.failures[0]
    assert failure.message
    if fault.caught_by != "status_code_coverage":
        assert failure.request is not None
        assert failure.response is not None or "no response" in failure.message
    for result in [*outcome.failed, *outcome.warned]:
        for shown in result.failures:
            assert not PYTHON_VALUES.search(shown.message), shown.message


def test_catalogue_covers_every_check_family_and_warning() -> None:
    catalogue = faults.catalogue()
    assert len(catalogue) >= 15
    checks = by_name()
    warnings = {w.name for w in WARNINGS}
    for fault in catalogue.values():
        assert fault.caught_by in (warnings if fault.warning else checks), fault.name
        assert fault.description
    families = {checks[f.caught_by].family for f in catalogue.values() if not f.warning}
    # Coverage is tripped by faults filed under other checks (see below).
    assert families | {"status-code-coverage"} == {c.family for c in CHECKS}
    assert {f.caught_by for f in catalogue.values() if f.warning} == warnings


def test_catalogue_has_look_alike_key_and_typed_text_faults() -> None:
    families = [f.family.rsplit(".", 1)[-1] for f in faults.catalogue().values()]
    assert families.count("keys") >= 4
    assert families.count("text") >= 6


def test_status_code_coverage_fails_when_a_code_is_never_seen() -> None:
    with EmbeddedMock(Settings(port=0, fault="non-staff-accepted")) as mock:
        outcome = run_against(mock, 5)
    coverage = outcome.result("status_code_coverage")
    assert coverage.state == FAILED
    assert coverage.failures[0].message == "never observed: 403"


@pytest.mark.slow
def test_input_dependent_fault_is_shrunk_to_a_minimal_request() -> None:
    # Crashes only when the first optional field is over 200 characters: the shrunk
    # request holds nothing else, and exactly 201 of the simplest character.
    # The valid-bodies phase alone, with room enough to meet such a message for sure.
    with EmbeddedMock(Settings(port=0, fault="500-on-long-message")) as mock:
        config = Config(base_url=mock.url, token="staff-token", max_examples=200, seed=SEED)
        engine = Engine(config, mock.url, KEYS)
        valid_bodies = next(p for p in phases.EXPLORED if p.name == "valid bodies")
        with drawing.reserved(1, KEYS, [valid_bodies.name]) as reservation:
            engine.run_explored(valid_bodies, 1, reservation.drawers()[0])
        outcome = engine.outcome(0.0)
    shrunk = [f for f in outcome.result("not_a_server_error").failures if f.minimal]
    assert shrunk, "no generated phase found the fault"
    assert shrunk[0].request is not None
    body = shrunk[0].request.body.decode()
    assert body == '{"subject": "0", "message": "' + "0" * 201 + '"}'


@pytest.mark.slow
def test_same_seed_replays_the_same_requests() -> None:
    def bodies() -> list[bytes]:
        with EmbeddedMock(Settings(port=0, fault="email-lowercased")) as mock:
            outcome = run_against(mock, 10)
        return [f.request.body for f in outcome.result("echo").failures if f.request]

    first = bodies()
    assert first, "the run found nothing to compare"
    assert first == bodies()


def test_readme_lists_every_fault_check_and_warning() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name in faults.catalogue():
        assert f"| `{name}` |" in readme, name
    for c in [*CHECKS, *WARNINGS]:
        assert f"`{c.name}`" in readme, c.name
    # The figures measured over the catalogue are of the whole of it, as it is now.
    caught = re.search(r"the default run caught (\d+) of (\d+) faults", readme)
    assert caught is not None
    assert int(caught[2]) == len(faults.catalogue()), "re-measure: python bench/contract_speed.py"


# --- the time budget ----------------------------------------------------------------------


def test_fixed_examples_run_whole_even_when_the_budget_is_spent() -> None:
    with EmbeddedMock() as mock:
        config = Config(base_url=mock.url, token="staff-token", seed=SEED, max_time=0.01)
        engine = Engine(config, mock.url, KEYS)
        outcome = engine.run()
    assert outcome.phases[FIXED].requests == len(phases.fixed_probes(engine.plan))
    generated = [p for name, p in outcome.phases.items() if name != FIXED]
    assert [p.end for p in generated] == [NO_TIME_LEFT] * 5
    assert all(p.requests == 0 for p in generated)
    assert outcome.ok


@pytest.mark.slow
def test_max_time_is_honoured_on_a_slow_target() -> None:
    """Every request takes 20 ms or more: the default budget would take about 20 s; the
    phases share what the fixed examples leave of 8 s and stop cleanly."""
    budget = 8.0
    with running_mock("--latency", "20") as mock:
        config = Config(
            base_url=mock.base_url, token="staff-token", seed=SEED, max_time=budget, workers=2
        )
        started = time.monotonic()
        outcome = Engine(config, mock.base_url, KEYS).run()
        took = time.monotonic() - started
    assert took <= budget + 2, f"{took:.1f} s for a budget of {budget} s"
    generated = {name: p for name, p in outcome.phases.items() if name != FIXED}
    assert OUT_OF_TIME in {p.end for p in generated.values()}, generated
    assert all(p.requests < config.max_examples for p in generated.values())
    assert sum(p.requests for p in generated.values()) > 0
    # Stopping is not a finding: the correct mock still passes.
    assert outcome.ok, [(r.name, r.failures[0].message) for r in outcome.failed]
