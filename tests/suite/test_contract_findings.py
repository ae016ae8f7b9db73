"""Judging calls one at a time, without a run of the suite: what a validating proxy does.

The same oracle, checks and warnings as a run, fed hand-made exchanges, and the suite's own
report built from them.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

from contract_tests.checks import Call
from contract_tests.contract import JSON, contract
from contract_tests.findings import MAX_DISTINCT, Findings
from contract_tests.http import Request, Response
from contract_tests.model import FAILED, PASSED, WARNED, Failure, Payload, credential
from contract_tests.oracle import judge
from contract_tests.report import Secrets, from_findings, html, junit, markdown

URL = "http://127.0.0.1:1"
KEY = "Sekrit42"


def exchange(
    body: dict[str, Any],
    status: int,
    answer: Any,
    headers: dict[str, str] | None = None,
    path: str = "/api/contacts/",
) -> Call:
    c = contract()
    raw = json.dumps(body).encode()
    sent = (("Authorization", f"Token {KEY}"), ("Content-Type", JSON))
    return Call(
        request=Request("POST", URL + path, sent, raw),
        response=Response(
            status, {"content-type": JSON, **(headers or {})}, json.dumps(answer).encode(), 0.01
        ),
        sent_at=0.0,
        received_at=0.0,
        credential=credential("token", KEY),
        verdict=judge(Payload(raw, JSON, "live traffic"), c),
        label="live traffic",
        contract=c,
        clock_skew=300.0,
    )


def created(subject: str, **changes: Any) -> dict[str, Any]:
    now = "2026-01-15T10:30:00Z"
    blank = dict.fromkeys(["message", "first_name", "last_name", "email", "mobile_number"], "")
    contact = {"id": 1, "subject": subject, **blank, "viewed": False, "viewed_at": None}
    return {**contact, "created_at": now, "updated_at": now, **changes}


def test_one_call_at_a_time_gives_the_suites_results_and_report() -> None:
    findings = Findings(contract())
    # A correct creation (its timestamps are far from this clock: judged as such).
    findings.record(exchange({"subject": "Hi"}, 201, created("Hi")), "live traffic")
    # An echo failure, and a 400 that names no invalid field (a warning).
    findings.record(exchange({"subject": "Zoe\u0308"}, 201, created("Zoë", id=2)), "live traffic")
    findings.record(exchange({"subject": ""}, 400, {"detail": "Invalid input."}), "live traffic")

    results = {r.name: r for r in findings.results()}
    assert results["echo"].state == FAILED
    assert results["echo"].failures[0].message == (
        '"subject" came back as "Zoë"; "Zoe\\u0308" was sent'
    )
    assert results["negative_data_rejection"].state == PASSED
    warnings = {w.name: w for w in findings.warning_results()}
    assert warnings["field_errors_named"].state == WARNED
    assert warnings["json_charset"].state == PASSED

    report = from_findings(findings, target=URL, secrets=Secrets({KEY: "STAFF_KEY"}))
    assert not report.ok
    assert report.summary.startswith("the contract is broken:")
    assert ("Requests judged", "3") in report.facts
    page = html(report)
    assert "<details><summary><code>echo</code>: 1 call failed; 1 distinct failure shown" in page
    assert KEY not in page + markdown(report) + junit(report)
    assert "${STAFF_KEY}" in page
    cases = {
        c.get("name"): c for c in ET.fromstring(junit(report).split("\n", 1)[1]).iter("testcase")
    }
    assert cases["echo"].find("failure") is not None
    assert cases["field_errors_named"].find("system-out") is not None


def test_the_heading_path_is_judged_by_the_warnings_only() -> None:
    findings = Findings(contract())
    moved = exchange({"subject": "Hi"}, 301, "", {"location": "/api/contacts/"}, "/api/contacts")
    findings.record(moved, "live traffic")
    assert all(r.state != FAILED for r in findings.results())
    assert dict(findings.statuses) == {}  # not a status of the contract's path
    warned = {w.name: w for w in findings.warning_results() if w.state == WARNED}
    assert list(warned) == ["heading_path_served"]
    assert (
        warned["heading_path_served"]
        .failures[0]
        .message.startswith(
            "POST /api/contacts (the document's heading path) got 301, a redirect to /api/contacts/"
        )
    )


def test_distinct_failures_are_kept_up_to_a_bound_and_counted() -> None:
    findings = Findings(contract())
    for n in range(MAX_DISTINCT + 20):
        findings.record(exchange({"subject": f"s{n}"}, 201, created("x", id=n)), "live traffic")
    echo = next(r for r in findings.results() if r.name == "echo")
    assert echo.calls == MAX_DISTINCT + 20
    assert len(echo.failures) == MAX_DISTINCT
    assert not echo.complete
    report = from_findings(findings, target=URL, secrets=Secrets({}))
    group = next(g for g in report.failures if g.name == "echo")
    assert group.counted("failure") == (
        f"{MAX_DISTINCT + 20} calls failed; "
        f"the first {MAX_DISTINCT} distinct failures shown (more were found)"
    )


def unanswered(reason: str) -> Failure:
    request = Request("POST", URL + "/api/contacts/", (), b"{}")
    message = f"no response: {reason}"
    return Failure(
        "not_a_server_error", message, request, None, "an empty object", "staff", "p", False
    )


def test_a_request_unanswered_fails_once_the_target_answers_again() -> None:
    findings = Findings(contract())
    findings.unanswered(unanswered("connection reset"), "p", until_answered=True)
    assert findings.failed["not_a_server_error"] == 0  # the target may be gone
    findings.record(exchange({"subject": "Hi"}, 201, created("Hi")), "p")
    result = next(r for r in findings.results() if r.name == "not_a_server_error")
    assert result.state == FAILED
    assert [f.message for f in result.failures] == ["no response: connection reset"]


def test_requests_sent_to_a_lost_target_are_withdrawn_not_failed() -> None:
    findings = Findings(contract())
    findings.record(exchange({"subject": "Hi"}, 201, created("Hi")), "p")
    first, second = unanswered("connection reset"), unanswered("connection refused")
    findings.unanswered(first, "p", until_answered=True)
    findings.unanswered(second, "p", until_answered=True)
    assert findings.withdraw() == [first, second]
    findings.settle()
    result = next(r for r in findings.results() if r.name == "not_a_server_error")
    assert result.state == PASSED
    assert findings.phases["p"] == 3  # sent all the same


def test_a_405_to_another_method_is_no_undocumented_status() -> None:
    findings = Findings(contract())
    call = exchange({}, 405, {"detail": 'Method "GET" not allowed.'}, {"allow": "POST"})
    findings.record(replace(call, request=replace(call.request, method="GET", body=b"")), "p")
    report = from_findings(findings, target=URL, secrets=Secrets({}))
    row = next(s for s in report.statuses if s.code == 405)
    assert (row.seen, row.note) == (1, "other methods")
    assert all(r.state != FAILED for r in findings.results())
