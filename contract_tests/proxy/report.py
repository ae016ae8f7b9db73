"""GET /__proxy__/report: the suite's own HTML report, over the live traffic judged so far."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from contract_tests.report import Secrets, model
from contract_tests.report import html as render

if TYPE_CHECKING:
    from contract_tests.proxy.live import Judge


def html(judge: Judge, upstream: str) -> str:
    """The traffic seen so far in the suite's report, from the judge's one tally (the
    same results GET /__proxy__/violations counts). Keys are masked in every request the
    proxy keeps; the replay line runs the whole suite against the upstream."""
    findings = judge.recorder
    facts = [("Target", upstream), ("Exchanges", str(judge.exchanges))]
    if judge.simulated:
        facts.append(
            ("Simulated answers (Prefer: code=N, answered N), not judged", str(judge.simulated))
        )
    facts += [(f"Not judged: {why}", str(n)) for why, n in sorted(judge.unjudged.items())]
    report = model(
        judge.results(),
        findings.warning_results(),
        dict(findings.statuses),
        title=f"contacts-contract proxy: {upstream}",
        secrets=Secrets({}),
        facts=facts,
        replay=f"contacts-contract --base-url {upstream}",
        properties=[("target", upstream), ("exchanges", str(judge.exchanges))],
    )
    unjudged = sum(judge.unjudged.values())
    if unjudged:
        # A verdict over part of the traffic says so where it is read first.
        why = "; ".join(sorted(judge.unjudged))
        gap = f"{unjudged} of {judge.exchanges} exchanges could not be judged ({why})"
        report = replace(report, summary=f"{report.summary}; {gap}")
    return render(report)
