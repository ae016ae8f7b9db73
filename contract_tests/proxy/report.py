"""GET /__proxy__/report: the suite's own HTML report, over the live traffic judged so far."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from contract_tests.checks import CHECKS
from contract_tests.config import Config
from contract_tests.report import html_report
from contract_tests.runner import FAILED, NOT_RUN, PASSED, Outcome, Result
from contract_tests.strategies import Keys

if TYPE_CHECKING:
    from contract_tests.proxy.live import Judge

RUN_LEVEL_ONLY = "status_code_coverage"


def outcome(judge: Judge, upstream: str) -> Outcome:
    """The traffic seen so far as the suite's Outcome of a run."""
    runs = judge.recorder.runs
    results = []
    for check in CHECKS:
        examples = list(judge.examples.get(check.name, ()))
        if check.name == RUN_LEVEL_ONLY:
            note = "judged over a test run, not live traffic: see the status codes seen below"
            results.append(Result(check, NOT_RUN, 0, note=note))
        elif examples:
            results.append(Result(check, FAILED, runs[check.name], examples))
        elif runs[check.name]:
            results.append(Result(check, PASSED, runs[check.name]))
        else:
            results.append(Result(check, NOT_RUN, 0, note="no exchange it applies to was seen"))
    statuses = judge.recorder.statuses
    return Outcome(
        config=Config(base_url=upstream),
        # The report's replay line then runs the whole suite against the upstream.
        target=upstream,
        embedded=False,
        seed=0,
        results=results,
        statuses=dict(sorted(statuses.items())),
        documented=judge.contract.statuses,
        required=(),
        phases=dict(judge.recorder.phases),
        requests=judge.exchanges,
        duration=time.time() - judge.started,
        keys=Keys(""),  # keys are masked in every request the proxy keeps
    )


def html(judge: Judge, upstream: str) -> str:
    return html_report(outcome(judge, upstream))
