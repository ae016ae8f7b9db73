"""GET /__proxy__/report: the suite's own HTML report, over the live traffic judged so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

from contract_tests.report import Secrets, model
from contract_tests.report import html as render

if TYPE_CHECKING:
    from contract_tests.proxy.live import Judge


def html(judge: Judge, upstream: str) -> str:
    """The traffic seen so far in the suite's report. Keys are masked in every request the
    proxy keeps; the replay line runs the whole suite against the upstream."""
    findings = judge.recorder
    report = model(
        findings.results(),
        findings.warning_results(),
        dict(findings.statuses),
        title=f"contacts-contract proxy: {upstream}",
        secrets=Secrets({}),
        facts=[("Target", upstream), ("Exchanges judged", str(judge.exchanges))],
        replay=f"contacts-contract --base-url {upstream}",
        properties=[("target", upstream), ("exchanges", str(judge.exchanges))],
    )
    return render(report)
