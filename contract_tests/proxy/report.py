"""GET /__proxy__/report: the suite's own HTML report, over the live traffic judged so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contract_tests.findings import NOT_RUN, Result
from contract_tests.report import Secrets, model
from contract_tests.report import html as render

if TYPE_CHECKING:
    from contract_tests.proxy.live import Judge

RUN_LEVEL_ONLY = "status_code_coverage"


def _live(result: Result) -> Result:
    if result.name != RUN_LEVEL_ONLY:
        return result
    note = "judged over a test run, not live traffic: see the status codes seen below"
    return Result(result.check, NOT_RUN, 0, note=note)


def html(judge: Judge, upstream: str) -> str:
    """The traffic seen so far in the suite's report. Keys are masked in every request the
    proxy keeps; the replay line runs the whole suite against the upstream."""
    findings = judge.recorder
    report = model(
        [_live(r) for r in findings.results()],
        findings.warning_results(),
        dict(findings.statuses),
        title=f"contacts-contract proxy: {upstream}",
        secrets=Secrets({}),
        facts=[("Target", upstream), ("Exchanges judged", str(judge.exchanges))],
        replay=f"contacts-contract --base-url {upstream}",
        properties=[("target", upstream), ("exchanges", str(judge.exchanges))],
    )
    return render(report)
