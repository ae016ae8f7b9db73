"""Simulated answers through the proxy: `Prefer: code=N` (or `example=NAME`), which the mock answers with the
spec's documented N response, is what the client asked for, not what the request should
get, so it is not judged (nor counted as a violation, nor recorded as a case). A Prefer
the upstream did not apply leaves an ordinary exchange, judged as any other, and its
reproduction keeps the header, so that a replay gets the same answer."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contacts_core.spec import operation
from tests.support.processes import MockProcess, running_mock
from tests.support.proxying import CONTRACT, proxy_in_front_of

pytestmark = pytest.mark.process

STAFF = {"Authorization": "Token staff-token"}
VALID = {"subject": "Hello"}
# Every documented answer, by its first example and by each named one, with its status.
PREFERENCES = [
    (f"code={status}" + (f", example={name}" if name else ""), status)
    for status, response in sorted(operation().responses.items())
    for name in [None, *response.examples]
] + [
    # Other spellings RFC 7240 allows, and a named example alone (at its own status).
    ("CODE = 500", 500),
    ("example=fieldErrors", 400),
]


@pytest.fixture(scope="module")
def mock_process() -> Iterator[MockProcess]:
    with running_mock("--log-level", "warning") as process:
        yield process


def test_simulated_answers_are_not_judged_nor_recorded(
    mock_process: MockProcess, tmp_path: Path
) -> None:
    record = tmp_path / "traffic.jsonl"
    with proxy_in_front_of(mock_process.base_url, record=record) as proxy:
        for preference, status in PREFERENCES:
            answer = httpx.post(
                proxy.url + CONTRACT.path,
                json=VALID,
                headers={**STAFF, "Prefer": preference},
                timeout=10,
            )
            assert answer.status_code == status, preference
            assert "x-contract-violations" not in answer.headers, preference
        # One ordinary exchange beside them: judged, recorded.
        created = httpx.post(proxy.url + CONTRACT.path, json=VALID, headers=STAFF, timeout=10)
        assert created.status_code == 201
        violations = proxy.violations()
        page = proxy.report()
    assert violations["counts"] == {}
    assert violations["simulated"] == len(PREFERENCES)
    assert violations["exchanges"] == len(PREFERENCES) + 1
    assert page.summary.startswith("the contract holds")
    assert page.checks["not_a_server_error"] == ("passed", "1 call")
    assert f"Simulated answers (Prefer: code=N, answered N), not judged: {len(PREFERENCES)}" in (
        page.facts
    )
    assert len(record.read_text(encoding="utf-8").splitlines()) == 1


def test_a_preference_not_applied_is_judged_and_its_reproduction_keeps_it(
    mock_process: MockProcess,
) -> None:
    # The mock answers an undocumented code with a 400 naming the codes it has: not the
    # answer asked for, so the exchange is judged, as a valid body refused.
    headers = {**STAFF, "Prefer": "code=418", "Accept-Language": "de"}
    with proxy_in_front_of(mock_process.base_url) as proxy:
        answer = httpx.post(proxy.url + CONTRACT.path, json=VALID, headers=headers, timeout=10)
        page = proxy.report()
    assert answer.status_code == 400
    assert answer.headers["x-contract-violations"] == "positive_data_acceptance"
    (command,) = page.commands
    words = shlex.split(command.replace("\\\n", " "))
    sent = [words[i + 1] for i, word in enumerate(words) if word == "-H"]
    assert "Prefer: code=418" in sent
    assert "Accept-Language: de" in sent
    # It sends to the upstream itself; pasted with the key in place of its mask, it gets
    # the same answer again, which without the header it would not.
    assert mock_process.base_url + CONTRACT.path in words
    replay = [w.replace("<staff key>", "staff-token") for w in words]
    again = subprocess.run(replay, capture_output=True, text=True, timeout=30, check=True)
    assert again.stdout.startswith("HTTP/1.1 400")
    assert "Prefer: code=418 is not documented" in again.stdout
    without = httpx.post(mock_process.base_url + CONTRACT.path, json=VALID, headers=STAFF)
    assert without.status_code == 201
