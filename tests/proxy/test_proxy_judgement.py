"""One judgement: for the correct mock and every fault of the catalogue (a real
`contacts-mock --fault NAME` process behind the proxy, the suite's fixed examples sent
through it with the mock's keys given as --token KEY=ROLE), GET /__proxy__/report,
GET /__proxy__/violations and the X-Contract-Violations headers of the answers agree on
every check: which failed, and in how many exchanges. With --strict, the fault's check
is named in a 502 instead of the upstream's answer."""

from __future__ import annotations

import re
from collections import Counter

import httpx
import pytest

from contract_tests.checks import CHECKS, by_name
from mock_server import faults
from tests.support.processes import running_mock
from tests.support.proxying import fixed_probes, proxy_in_front_of, send, violation_names

pytestmark = pytest.mark.process

PROBES = fixed_probes()
# The fault the report used to call "holds" beside its violation: permission_enforced
# needs a user key, which the proxy is given as --token KEY=user. It runs in the fast
# subset; the rest of the catalogue is slow.
FAST = "non-staff-accepted"
FAULTS = [None, *faults.catalogue()]
FAILED_NOTE = re.compile(r"^\d+ calls?, (\d+) failed$")


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(f, marks=() if f == FAST else pytest.mark.slow, id=f or "correct")
        for f in FAULTS
    ],
)
def test_report_violations_and_header_agree_on_every_check(fault: str | None) -> None:
    args = ("--fault", fault) if fault else ()
    caught = faults.get(fault) if fault is not None else None
    with (
        running_mock(*args, "--log-level", "warning") as mock,
        proxy_in_front_of(mock.base_url) as proxy,
        proxy_in_front_of(mock.base_url, strict=True) as strict,
        httpx.Client(timeout=30) as client,
    ):
        named: Counter[str] = Counter()
        answers = [(probe, send(client, proxy.url, probe)) for probe in PROBES]
        for _, answer in answers:
            named.update(violation_names(answer))
        violations = proxy.violations()
        page = proxy.report()
        withheld = []
        if caught is not None and not caught.warning:
            flagged = [(p, a) for p, a in answers if caught.caught_by in violation_names(a)]
            assert flagged, f"no answer named {caught.caught_by} in X-Contract-Violations"
            assert all(a.status_code != 502 for _, a in flagged)  # passed on, flagged
            # The same requests through --strict, each three times: enough for a repeated id.
            withheld = [send(client, strict.url, p) for p, _ in flagged for _ in range(3)]

    counts = violations["counts"]
    assert counts == dict(named), "GET /__proxy__/violations and the headers disagree"
    listed = Counter(v["check"] for v in violations["violations"])
    assert listed == named  # all of them kept: fewer than the 1,000 it keeps
    for check in CHECKS:
        state, note = page.checks[check.name]
        if check.name in counts:
            assert state == "failed", f"{check.name}: {state} ({note}) beside its violations"
            failed = FAILED_NOTE.match(note)
            assert failed, note
            assert int(failed.group(1)) == counts[check.name], (check.name, note)
        else:
            assert state != "failed", f"{check.name}: failed in the report only ({note})"
        assert "--non-staff-token" not in note, note  # options the proxy does not have
        assert "--admin-token" not in note, note
    verdict = "the contract is broken" if counts else "the contract holds"
    assert page.summary.startswith(verdict), page.summary
    if caught is not None and caught.warning:
        assert page.warnings[caught.caught_by][0] == "warned"
    elif caught is not None:
        check = caught.caught_by
        assert check in counts, f"{fault} slipped through; the proxy named {sorted(counts)}"
        refused = [a for a in withheld if a.status_code == 502 and check in violation_names(a)]
        assert refused, f"--strict never answered 502 naming {check}"
        body = refused[0].json()
        assert check in {v["check"] for v in body["violations"]}
        assert check in body["detail"]
        assert body["upstream_status"] != 502


def test_a_check_needing_a_role_not_given_says_which_token_to_give() -> None:
    with (
        running_mock("--log-level", "warning") as mock,
        proxy_in_front_of(mock.base_url, tokens={"staff-token": "staff"}) as proxy,
        httpx.Client(timeout=30) as client,
    ):
        for probe in PROBES[:5]:
            send(client, proxy.url, probe)
        page = proxy.report()
    assert page.checks["permission_enforced"] == ("not run", "needs --token KEY=user")
    assert page.checks["admin_key_accepted"] == ("not run", "needs --token KEY=admin")


# status_code_coverage is judged over a test run (which codes a run saw), not on live
# traffic, and unique_ids needs the answers of a whole run: no fault may be caught by a
# run-level check alone, or the proxy could not see it.
def test_every_fault_is_caught_by_a_check_the_proxy_runs() -> None:
    checks = by_name()
    for fault in faults.catalogue().values():
        if fault.warning:
            continue
        assert checks[fault.caught_by].run is not None or fault.caught_by == "unique_ids", (
            f"{fault.name} is caught by the run-level {fault.caught_by} only"
        )
