"""The validating proxy in front of `contacts-mock --fault NAME`, for every fault of the
catalogue: the suite's fixed examples (every rule of the spec, the auth matrix, with the
mock's keys given as --token KEY=ROLE) make it name the fault's check, in
GET /__proxy__/violations, in X-Contract-Violations and, with --strict, in a 502.

`status_code_coverage` is judged over a test run (which codes a run saw), not on live
traffic: the proxy reports the codes it saw instead, and no fault of the catalogue is
caught by it alone (asserted below)."""

from __future__ import annotations

import httpx
import pytest

from contract_tests.checks import by_name
from mock_server import faults
from tests.support.processes import running_mock
from tests.support.proxying import fixed_probes, proxy_in_front_of, send, violation_names

pytestmark = pytest.mark.process

PROBES = fixed_probes()


# A fault the contract allows raises a warning, not a violation: the proxy's report shows
# it, its violations do not.
CHECKED = [name for name, fault in faults.catalogue().items() if not fault.warning]


def test_every_fault_is_caught_by_a_check_the_proxy_runs() -> None:
    checks = by_name()
    for fault in map(faults.get, CHECKED):
        assert checks[fault.caught_by].run is not None or fault.caught_by == "unique_ids", (
            f"{fault.name} is caught by the run-level {fault.caught_by} only"
        )


@pytest.mark.slow
@pytest.mark.parametrize("name", CHECKED)
def test_the_proxy_names_the_check_that_catches_each_fault(name: str) -> None:
    check = faults.get(name).caught_by
    with (
        running_mock("--fault", name, "--log-level", "warning") as mock,
        proxy_in_front_of(mock.base_url) as lenient,
        proxy_in_front_of(mock.base_url, strict=True) as strict,
        httpx.Client(timeout=30) as client,
    ):
        answers = [(p, send(client, lenient.url, p)) for p in PROBES]
        flagged = [(p, a) for p, a in answers if check in violation_names(a)]
        # The same requests through --strict, each three times: enough for a repeated id.
        withheld = [send(client, strict.url, p) for p, _ in flagged for _ in range(3)]
        logged = lenient.checks()

    assert check in logged, f"{name} slipped through; the proxy named {sorted(logged)}"
    assert flagged, f"no answer named {check} in X-Contract-Violations"
    assert all(a.status_code != 502 for _, a in flagged)  # passed on, flagged

    refused = [a for a in withheld if a.status_code == 502 and check in violation_names(a)]
    assert refused, f"--strict never answered 502 naming {check}"
    body = refused[0].json()
    assert check in {v["check"] for v in body["violations"]}
    assert check in body["detail"]
    assert body["upstream_status"] != 502
