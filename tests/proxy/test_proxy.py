"""The validating proxy in front of the correct mock (a real contacts-mock process): it
changes nothing, and finds nothing wrong."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests.config import Config
from contract_tests.engine import Engine
from contract_tests.proxy.live import Keys
from tests.support.processes import MockProcess, running_mock
from tests.support.proxying import (
    CONTRACT,
    MOCK_KEYS,
    Served,
    Tap,
    fixed_probes,
    proxy_in_front_of,
    send,
)

pytestmark = pytest.mark.process

SEED = 20260115
ORIGIN = "http://127.0.0.1:5173"


@pytest.fixture(scope="module")
def mock_process() -> Iterator[MockProcess]:
    with running_mock("--log-level", "warning") as process:
        yield process


@pytest.fixture
def proxy(mock_process: MockProcess) -> Iterator[Served]:
    with proxy_in_front_of(mock_process.base_url) as served:
        yield served


def test_fixed_examples_pass_unchanged_with_no_violation(mock_process: MockProcess) -> None:
    # client -> proxy -> tap -> mock_process: the tap keeps each answer exactly as the mock_process sent it.
    probes = fixed_probes()
    with (
        Tap(mock_process.base_url) as tap,
        proxy_in_front_of(tap.url) as proxy,
        httpx.Client(timeout=30) as client,
    ):
        for number, probe in enumerate(probes):
            answer = send(client, proxy.url, probe)
            direct = tap.responses[number]
            assert answer.status_code == direct.status, probe.payload.label
            assert answer.content == direct.body, probe.payload.label
            assert answer.headers.raw == direct.headers, probe.payload.label
            assert "x-contract-violations" not in answer.headers
        violations = proxy.violations()
    assert len(tap.responses) == len(probes)
    assert violations["exchanges"] == len(probes)
    assert violations["violations"] == []
    statuses = {wire.status for wire in tap.responses}
    assert {201, 400, 401, 403, 413, 415} <= statuses


@pytest.mark.slow
def test_a_generated_run_through_the_proxy_passes_byte_for_byte(mock_process: MockProcess) -> None:
    # suite -> tap -> proxy -> tap -> mock_process: every answer the suite got is the mock's, as sent.
    with (
        Tap(mock_process.base_url) as behind,
        proxy_in_front_of(behind.url) as proxy,
        Tap(proxy.url) as before,
    ):
        config = Config(
            base_url=before.url, token=MOCK_KEYS.token, max_examples=10, seed=SEED, workers=1
        )
        outcome = Engine(config, before.url, MOCK_KEYS).run()
        violations = proxy.violations()
    assert outcome.ok, [(r.name, r.failures[0].message) for r in outcome.failed]
    assert violations["violations"] == []
    # The suite's reachability probe, then every request of the run.
    assert violations["exchanges"] == outcome.requests + 1
    assert len(before.responses) == len(behind.responses) == outcome.requests + 1
    for seen, sent in zip(before.responses, behind.responses, strict=True):
        assert (seen.status, seen.headers, seen.body) == (sent.status, sent.headers, sent.body)


def test_every_check_ran_on_live_traffic(proxy: Served) -> None:
    with httpx.Client(timeout=30) as client:
        for probe in fixed_probes():
            send(client, proxy.url, probe)
    report = httpx.get(proxy.url + "/__proxy__/report", timeout=10)
    assert report.status_code == 200
    assert report.headers["content-type"] == "text/html; charset=utf-8"
    page = report.text
    assert "the contract holds" in page
    runs = proxy.proxy.judge.recorder.runs
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "positive_data_acceptance",
        "echo",
        "server_set_values",
        "timestamps",
        "unique_ids",
        "negative_data_rejection",
        "authentication_required",
        "authentication_before_validation",
        "permission_enforced",
        "admin_key_accepted",
    ):
        assert runs[name] > 0, name
        assert f"<code>{name}</code>" in page


def test_both_paths_of_the_operation_are_judged(proxy: Served) -> None:
    body = {"subject": "Hello"}
    for path in (CONTRACT.path, CONTRACT.path.rstrip("/")):
        answer = httpx.post(
            proxy.url + path, json=body, headers={"Authorization": "Token staff-token"}, timeout=10
        )
        assert answer.status_code == 201
    assert proxy.violations()["exchanges"] == 2


def test_other_paths_stream_through_unjudged(mock_process: MockProcess, proxy: Served) -> None:
    before = proxy.violations()["exchanges"]
    direct = httpx.get(mock_process.base_url + "/api/openapi.json", timeout=10)
    through = httpx.get(proxy.url + "/api/openapi.json", timeout=10)
    assert (through.status_code, through.content) == (200, direct.content)
    missing = httpx.get(proxy.url + "/api/nothing-here?x=1", timeout=10)
    assert missing.status_code == 404
    assert proxy.violations()["exchanges"] == before


def test_another_method_on_the_path_is_judged(proxy: Served) -> None:
    before = proxy.violations()
    wrong_method = httpx.get(proxy.url + CONTRACT.path, timeout=10)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "POST"
    assert "x-contract-violations" not in wrong_method.headers
    after = proxy.violations()
    assert after["exchanges"] == before["exchanges"] + 1
    assert after["counts"] == before["counts"]


def test_hop_by_hop_headers_stay_on_their_hop(mock_process: MockProcess) -> None:
    with Tap(mock_process.base_url) as tap, proxy_in_front_of(tap.url) as proxy:
        answer = httpx.post(
            proxy.url + CONTRACT.path,
            json={"subject": "Hello"},
            headers={
                "Authorization": "Token staff-token",
                "Connection": "keep-alive, X-Private",
                "X-Private": "for the proxy only",
                "Keep-Alive": "timeout=5",
                "X-End-To-End": "kept",
            },
            timeout=10,
        )
    assert answer.status_code == 201
    (request,) = tap.requests
    names = [name.lower() for name, _ in request.headers]
    assert b"x-private" not in names
    assert b"keep-alive" not in names
    assert (b"x-end-to-end", b"kept") in request.headers
    assert (b"via", b"1.1 contacts-contract-proxy") in request.headers


def test_cors_preflight_and_answer_for_a_browser(proxy: Served) -> None:
    preflight = httpx.options(
        proxy.url + CONTRACT.path,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", ORIGIN)
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert proxy.violations()["exchanges"] == 0  # answered by the proxy, never forwarded
    answer = httpx.post(
        proxy.url + CONTRACT.path,
        json={"subject": "Hello"},
        headers={"Origin": ORIGIN, "Authorization": "Token staff-token"},
        timeout=10,
    )
    assert answer.status_code == 201
    assert answer.headers["access-control-allow-origin"] in ("*", ORIGIN)
    assert "x-contract-violations" in answer.headers["access-control-expose-headers"].lower()


def test_a_body_over_the_limit_is_forwarded_and_judged(proxy: Served) -> None:
    # Streamed in chunks, without Content-Length: the proxy reads at most a little past
    # the contract's limit and streams the rest on; the mock answers 413, as it must.
    limit = CONTRACT.max_body_bytes
    chunk = b"x" * 65536

    def body() -> Iterator[bytes]:
        yield b'{"subject": "'
        for _ in range(3 * limit // len(chunk)):
            yield chunk
        yield b'"}'

    answer = httpx.post(
        proxy.url + CONTRACT.path,
        content=body(),
        headers={"Authorization": "Token staff-token", "Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 413
    assert "x-contract-violations" not in answer.headers
    violations = proxy.violations()
    assert (violations["exchanges"], violations["violations"]) == (1, [])
    # Judged as a body over the limit: an invalid request sent with a staff key.
    assert proxy.proxy.judge.recorder.runs["negative_data_rejection"] == 1


def test_own_routes_take_only_get(proxy: Served) -> None:
    answer = httpx.delete(proxy.url + "/__proxy__/violations", timeout=10)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"
    assert answer.json() == {"detail": "Only GET."}


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Token s3cret-key", "staff"),
        ("token s3cret-key", "staff"),  # the scheme's case does not matter, as in the mock
        ("Token 0ther-s3cret", "masked"),
        ("Bearer 0ther-s3cret", "bearer"),
        ("0ther-s3cret", "bearer"),  # a bare key: no scheme at all
        ("Token s3cret-key 0ther-s3cret", "key-with-spaces"),
        ("Token", "no-key"),
        (None, "none"),
    ],
)
def test_a_credential_is_named_never_shown(header: str | None, name: str) -> None:
    keys = Keys({"s3cret-key": "staff"}, CONTRACT)
    credential = keys.credential(header)
    assert credential.name == name
    shown = f"{credential.header} {credential.credential.label} {credential.name}"
    assert "s3cret" not in shown


def test_recording_stops_before_its_size_limit(
    mock_process: MockProcess, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    record = tmp_path / "traffic.jsonl"
    with proxy_in_front_of(mock_process.base_url, record=record, record_max_bytes=3000) as proxy:
        for _ in range(5):
            answer = httpx.post(
                proxy.url + CONTRACT.path,
                json={"subject": "Hello"},
                headers={"Authorization": "Token staff-token"},
                timeout=10,
            )
            assert answer.status_code == 201  # recording or not, the traffic flows
    lines = record.read_text(encoding="utf-8").splitlines()
    assert 1 <= len(lines) < 5
    assert record.stat().st_size <= 3000
    assert all(json.loads(line)["seen"]["response"]["status"] == 201 for line in lines)
    stopped = [r.getMessage() for r in caplog.records if "recording stopped" in r.getMessage()]
    assert stopped == [f"recording stopped: {record} would pass its limit of 3000 bytes"]
