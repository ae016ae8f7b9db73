"""The contract suite gates: it passes the correct mock and fails every faulty one,
naming the check the fault is expected to trip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.checks import CHECKS, by_name
from contract_tests.config import Config
from contract_tests.embedded import EmbeddedMock
from contract_tests.runner import FAILED, NOT_RUN, PASSED, Keys, Outcome, Runner
from mock_server import faults
from mock_server.settings import Settings

SEED = 20260115
# Enough for the correct mock to meet every check many times; the faults need fewer:
# every rule of the spec is also probed by the fixed examples.
CORRECT_EXAMPLES = 60
FAULT_EXAMPLES = 20


def run_against(mock: EmbeddedMock, max_examples: int) -> Outcome:
    config = Config(
        base_url=mock.url,
        token="staff-token",
        max_examples=max_examples,
        seed=SEED,
    )
    keys = Keys("staff-token", mock.key("admin"), mock.key("user"))
    return Runner(config, mock.url, keys).run()


@pytest.fixture(scope="module")
def correct_outcome() -> Iterator[Outcome]:
    with EmbeddedMock() as mock:
        yield run_against(mock, CORRECT_EXAMPLES)


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


def test_client_facing_status_codes_were_all_seen(correct_outcome: Outcome) -> None:
    assert correct_outcome.required == (201, 400, 401, 403)
    for code in (201, 400, 401, 403, 413, 415):
        assert correct_outcome.statuses[code] > 0, code
    assert set(correct_outcome.statuses) <= set(correct_outcome.documented)


def test_generated_phases_ran_their_budget(correct_outcome: Outcome) -> None:
    generated = {k: v for k, v in correct_outcome.phases.items() if k != "fixed examples"}
    assert len(generated) == 5
    assert all(count >= CORRECT_EXAMPLES for count in generated.values()), generated


def test_checks_needing_keys_are_not_run_without_them() -> None:
    with EmbeddedMock() as mock:
        config = Config(base_url=mock.url, token="staff-token", max_examples=5, seed=SEED)
        outcome = Runner(config, mock.url, Keys("staff-token")).run()
    not_run = {r.name: r.note for r in outcome.results if r.state == NOT_RUN}
    assert not_run == {
        "permission_enforced": "needs --non-staff-token",
        "admin_key_accepted": "needs --admin-token",
    }
    assert outcome.required == (201, 400, 401)
    assert outcome.ok


@pytest.mark.parametrize("name", list(faults.catalogue()))
def test_every_fault_is_caught_by_its_check(name: str) -> None:
    fault = faults.get(name)
    with EmbeddedMock(Settings(port=0, fault=name)) as mock:
        outcome = run_against(mock, FAULT_EXAMPLES)
    failed = {r.name: r for r in outcome.failed}
    assert fault.caught_by in failed, f"{name} slipped through; failed: {sorted(failed)}"
    assert not outcome.ok
    failure = failed[fault.caught_by].failures[0]
    assert failure.message
    if fault.caught_by != "status_code_coverage":
        assert failure.request is not None
        assert failure.response is not None or "no response" in failure.message


def test_catalogue_covers_every_check_family() -> None:
    catalogue = faults.catalogue()
    assert len(catalogue) >= 15
    checks = by_name()
    for fault in catalogue.values():
        assert fault.caught_by in checks, fault.name
        assert fault.description
    families = {checks[f.caught_by].family for f in catalogue.values()}
    # Coverage is tripped by faults filed under other checks (see below).
    assert families | {"status-code-coverage"} == {c.family for c in CHECKS}


def test_status_code_coverage_fails_when_a_code_is_never_seen() -> None:
    with EmbeddedMock(Settings(port=0, fault="non-staff-accepted")) as mock:
        outcome = run_against(mock, 5)
    coverage = outcome.result("status_code_coverage")
    assert coverage.state == FAILED
    assert coverage.failures[0].message == "never observed: 403"


def test_input_dependent_fault_is_shrunk_to_a_minimal_request() -> None:
    # Crashes only when the first optional field is over 200 characters: the shrunk
    # request holds nothing else, and exactly 201 of the simplest character.
    with EmbeddedMock(Settings(port=0, fault="500-on-long-message")) as mock:
        outcome = run_against(mock, FAULT_EXAMPLES)
    shrunk = [f for f in outcome.result("not_a_server_error").failures if f.minimal]
    assert shrunk, "no generated phase found the fault"
    assert shrunk[0].request is not None
    body = shrunk[0].request.body.decode()
    assert body == '{"subject": "0", "message": "' + "0" * 201 + '"}'


def test_same_seed_replays_the_same_requests() -> None:
    def bodies() -> list[bytes]:
        with EmbeddedMock(Settings(port=0, fault="email-lowercased")) as mock:
            outcome = run_against(mock, 10)
        return [f.request.body for f in outcome.result("echo").failures if f.request]

    assert bodies() == bodies()


def test_readme_lists_every_fault_and_check() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in faults.catalogue():
        assert f"| `{name}` |" in readme, name
    for c in CHECKS:
        assert f"`{c.name}`" in readme, c.name
