"""The contract suite as pytest tests, one per check: `pytest --pyargs contract_tests`."""

from __future__ import annotations

import pytest

from contract_tests.checks import CHECKS
from contract_tests.model import FAILED, NOT_RUN
from contract_tests.outcome import Outcome
from contract_tests.plugin import QUIET
from contract_tests.report import from_outcome, group_text

pytestmark = list(QUIET)


@pytest.mark.parametrize("check", [c.name for c in CHECKS])
def test_contract(contract_outcome: Outcome, check: str) -> None:
    result = contract_outcome.result(check)
    if result.state == NOT_RUN:
        pytest.skip(f"not run: {result.note}")
    if result.state == FAILED:
        report = from_outcome(contract_outcome)
        group = next(g for g in report.failures if g.name == check)
        pytest.fail(group_text(group, "failure", report.replay, report.exports), pytrace=False)
