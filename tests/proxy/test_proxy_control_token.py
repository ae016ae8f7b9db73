"""--control-token: every /__proxy__/ route (they show what frontends sent) needs it, as
`Authorization: Token KEY` or as a browser's Basic password, compared in constant time;
it is never logged nor recorded; the banner warns when the proxy listens beyond loopback
without one."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests.proxy.cli import banner
from contract_tests.proxy.settings import ProxySettings
from tests.support.processes import MockProcess, running_mock, running_proxy
from tests.support.proxying import CONTRACT, proxy_in_front_of

pytestmark = pytest.mark.process

KEY = "pr0xy-control-key"
OWN = ["/__proxy__/violations", "/__proxy__/report", "/__proxy__", "/__proxy__/nothing"]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture(scope="module")
def mock_process() -> Iterator[MockProcess]:
    with running_mock("--log-level", "warning") as process:
        yield process


REFUSED = [None, "", "Token", f"Token {KEY[:-1]}", f"Token {KEY}x", f"Bearer {KEY}",
           f"Token {KEY} x", "Token staff-token", basic("", KEY[:-1]), basic(KEY, ""),
           "Basic !!not-base64", f"Basic {KEY}"]  # fmt: skip


@pytest.mark.slow
def test_every_own_route_needs_the_control_token(mock_process: MockProcess) -> None:
    with proxy_in_front_of(mock_process.base_url, control_token=KEY) as proxy:
        for authorization in REFUSED:
            headers = {} if authorization is None else {"Authorization": authorization}
            for path in OWN:
                for method in ("GET", "DELETE"):
                    answer = httpx.request(method, proxy.url + path, headers=headers, timeout=10)
                    assert answer.status_code == 401, (authorization, method, path)
                    challenges = answer.headers.get_list("www-authenticate")
                    assert challenges[0] == "Token"
                    assert challenges[1].startswith("Basic realm=")
                    assert "control token" in answer.json()["detail"]


@pytest.mark.parametrize("authorization", [f"Token {KEY}", f"token {KEY}", basic("", KEY),
                                           basic("qa", KEY)])  # fmt: skip
def test_with_the_control_token_the_own_routes_answer(
    mock_process: MockProcess, authorization: str
) -> None:
    headers = {"Authorization": authorization}
    with proxy_in_front_of(mock_process.base_url, control_token=KEY) as proxy:
        # The operation itself is the backend's: its keys, not the control token.
        created = httpx.post(
            proxy.url + CONTRACT.path,
            json={"subject": "Hi"},
            headers={"Authorization": "Token staff-token"},
            timeout=10,
        )
        assert created.status_code == 201
        violations = httpx.get(proxy.url + "/__proxy__/violations", headers=headers, timeout=10)
        assert (violations.status_code, violations.json()["exchanges"]) == (200, 1)
        report = httpx.get(proxy.url + "/__proxy__/report", headers=headers, timeout=10)
        assert report.status_code == 200
        assert "the contract holds" in report.text
        nothing = httpx.get(proxy.url + "/__proxy__/nothing", headers=headers, timeout=10)
        assert nothing.status_code == 404
        wrong = httpx.delete(proxy.url + "/__proxy__/report", headers=headers, timeout=10)
        assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET")


def test_without_a_control_token_the_own_routes_are_open_and_never_forwarded(
    mock_process: MockProcess,
) -> None:
    with proxy_in_front_of(mock_process.base_url) as proxy:
        assert httpx.get(proxy.url + "/__proxy__/violations", timeout=10).status_code == 200
        nothing = httpx.get(proxy.url + "/__proxy__/nothing", timeout=10)
        assert nothing.status_code == 404
        assert "/__proxy__/report" in nothing.json()["detail"]  # the proxy's own 404


def test_the_key_is_compared_in_constant_time(
    mock_process: MockProcess, comparisons: list[tuple[bytes, bytes]]
) -> None:
    with proxy_in_front_of(mock_process.base_url, control_token=KEY) as proxy:
        for authorization in (f"Token {KEY}", "Token nope", basic("x", KEY), "Basic x y"):
            httpx.get(
                proxy.url + "/__proxy__/violations",
                headers={"Authorization": authorization},
                timeout=10,
            )
        httpx.get(proxy.url + "/__proxy__/violations", timeout=10)
    # One constant-time comparison per request, whatever the header held.
    assert [known for _, known in comparisons] == [KEY.encode()] * 5
    assert [candidate for candidate, _ in comparisons] == [
        KEY.encode(),
        b"nope",
        KEY.encode(),
        b"",
        b"",
    ]


def test_the_key_is_never_logged_nor_recorded(mock_process: MockProcess, tmp_path: Path) -> None:
    record = tmp_path / "traffic.jsonl"
    with running_proxy(
        "--upstream", mock_process.base_url, "--log-level", "debug", "--record", str(record),
        env={"CONTACTS_PROXY_CONTROL_TOKEN": KEY},
    ) as proxy:  # fmt: skip
        for authorization in (f"Token {KEY}", f"Token {KEY}x", basic("", KEY)):
            httpx.get(
                proxy.base_url + "/__proxy__/report",
                headers={"Authorization": authorization},
                timeout=10,
            )
        # A frontend that puts the key in a form field by mistake.
        sent = httpx.post(
            proxy.base_url + CONTRACT.path,
            json={"subject": "Hi", "message": f"the key is {KEY}"},
            headers={"Authorization": "Token staff-token"},
            timeout=10,
        )
        assert sent.status_code == 201
    output = "".join(proxy.stdout + proxy.stderr)
    assert "/__proxy__/report" in output  # the access log ran: debug logs every request
    assert "Authorization: Token <control token>" in output  # the banner says it is needed
    assert KEY not in output
    text = record.read_text(encoding="utf-8")
    assert text.count("\n") == 1
    assert KEY not in text
    assert "*" * len(KEY) in text


@pytest.mark.parametrize(
    ("host", "control_token", "warned"),
    [("0.0.0.0", None, True), ("192.0.2.1", None, True), ("staging.internal", None, True),
     ("0.0.0.0", KEY, False), ("127.0.0.1", None, False), ("::1", None, False),
     ("localhost", None, False)],
)  # fmt: skip
def test_the_banner_warns_when_the_reports_are_open_beyond_loopback(
    host: str, control_token: str | None, warned: bool
) -> None:
    settings = ProxySettings(upstream="http://127.0.0.1:9", host=host, control_token=control_token)
    text = banner(settings, f"http://{host}:8001")
    warning = (
        f"WARNING:     no --control-token: anyone who can reach {host} can read what frontends sent"
    )
    assert (warning in text) is warned
    if control_token is not None:
        assert control_token not in text
