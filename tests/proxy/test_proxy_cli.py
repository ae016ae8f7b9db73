"""`contacts-contract proxy` as users start it: a real process in front of a real mock
process, with keys of their own, --record and --strict; and its usage errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from contacts_core import cases
from contacts_core.tokens import PLACES
from contract_tests.model import Keys
from contract_tests.proxy.cli import parse_settings
from tests.support.processes import running_mock, running_proxy
from tests.support.proxying import CONTRACT, fixed_probes, send, violation_names

pytestmark = pytest.mark.process

# Keys of their own, as a team's staging server has: none may reach a log or a recording.
KEYS = {"s3cret-staff-key": "staff", "adm1n-s3cret": "admin", "us3r-s3cret": "user"}
UNKNOWN_KEY = "n0t-given-to-the-proxy"
BEARER_SECRET = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig"
BARE_SECRET = "b4re-s3cret-without-scheme"


def tokens() -> list[str]:
    return [arg for key, role in KEYS.items() for arg in ("--token", f"{key}={role}")]


@pytest.mark.slow
def test_strict_recording_proxy_in_front_of_a_faulty_mock(tmp_path: Path) -> None:
    record = tmp_path / "traffic.jsonl"
    probes = fixed_probes(Keys(*KEYS))
    with (
        running_mock("--fault", "email-lowercased", "--log-level", "warning", *tokens()) as mock,
        running_proxy(
            "--upstream", mock.base_url, "--strict", "--record", str(record), *tokens()
        ) as proxy,
        httpx.Client(timeout=30) as client,
    ):
        answers = [send(client, proxy.base_url, probe) for probe in probes]
        extra = [
            client.post(
                proxy.base_url + CONTRACT.path,
                json={"subject": "Hi"},
                headers={"Authorization": f"Token {UNKNOWN_KEY}"},
            ),
            client.post(
                proxy.base_url + CONTRACT.path,
                json={"subject": "Hi"},
                headers={"Authorization": f"Bearer {BEARER_SECRET}"},
            ),
            client.post(  # a bare key, without the scheme
                proxy.base_url + CONTRACT.path,
                json={"subject": "Hi"},
                headers={"Authorization": BARE_SECRET},
            ),
            client.post(
                proxy.base_url + CONTRACT.path,
                content=b'{"subject": "\xff\xfe"}',
                headers={
                    "Authorization": "Token s3cret-staff-key",
                    "Content-Type": "application/json",
                },
            ),
            client.post(  # streamed, with no Content-Length: read up to the limit, then streamed
                proxy.base_url + CONTRACT.path,
                content=iter([b"x" * 2**20] * 3),
                headers={
                    "Authorization": "Token s3cret-staff-key",
                    "Content-Type": "application/json",
                },
            ),
        ]
        violations = client.get(proxy.base_url + "/__proxy__/violations").json()
        report = client.get(proxy.base_url + "/__proxy__/report").text
    log = "".join(proxy.stderr)

    # --strict: the lowercased email never reaches the client; a 502 names the check.
    refused = [a for a in answers if a.status_code == 502]
    assert refused
    for answer in refused:
        assert violation_names(answer) == {"echo"}
        assert answer.json()["upstream_status"] == 201
        assert answer.json()["violations"][0]["check"] == "echo"
    assert {v["check"] for v in violations["violations"]} == {"echo"}
    assert violations["counts"] == {"echo": len(refused)}
    assert "<code>echo</code>" in report
    assert "the contract is broken" in report

    # One log line per violation, with the check, message, method, path and status.
    lines = [line for line in log.splitlines() if "contract violation: " in line]
    assert len(lines) == len(refused)
    assert re.search(
        r'contract violation: echo: "email" came back as .+; .+ was sent '
        r"\[POST /api/contacts/ -> 201, a staff key\]",
        lines[0],
    ), lines[0]

    # The recording: one valid line per exchange, and never a key.
    text = record.read_text(encoding="utf-8")
    for secret in [*KEYS, UNKNOWN_KEY, BEARER_SECRET, BARE_SECRET]:
        assert secret not in text
        assert secret not in log
        assert secret not in report
    # One format, one loader: the recording is a case file, with what was seen beside.
    recorded = cases.load_all([record])
    entries = [json.loads(line)["seen"] for line in text.splitlines()]
    assert len(recorded) == len(probes) + len(extra) == violations["exchanges"]
    assert {case.source for case in recorded} == {"proxy"}
    named = {case.credential for case in recorded}
    kinds = {name for name in named if not name.startswith(("look-alike/", "misplaced/"))}
    assert kinds == {
        "staff", "admin", "user", "none", "bearer", "no-key", "key-with-spaces", "masked"
    }  # fmt: skip
    # The fixed examples' keys that resemble a given key, named by what they resemble,
    # and the given keys put where no credential belongs, named by where.
    assert {"look-alike/staff/last-dropped", "look-alike/admin/other-case"} <= named
    assert {f"misplaced/staff/{place}" for place in PLACES} <= named
    over = [c for c, e in zip(recorded, entries, strict=True) if e["response"]["status"] == 413]
    # One byte over, or 3 MiB streamed: kept as the first limit + 1 bytes, still over it.
    assert [len(c.body) for c in over] == [CONTRACT.max_body_bytes + 1] * 2
    assert [c.label.endswith(f"its first {CONTRACT.max_body_bytes + 1} bytes") for c in over] == [
        False,
        True,
    ]
    assert over[0].label.endswith(f", {CONTRACT.max_body_bytes + 1} bytes")
    assert b'{"subject": "\xff\xfe"}' in [c.body for c in recorded]
    echo = next(e for e in entries if e["violations"])
    assert echo["response"]["status"] == 201  # the upstream's answer, before --strict
    assert echo["violations"][0]["check"] == "echo"


def proxy_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "contract_tests", "proxy", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "--upstream (or CONTACTS_PROXY_UPSTREAM) is required"),
        (
            ("--upstream", "ftp://x"),
            "--upstream: 'ftp://x' is not an http:// or https:// URL",
        ),
        (
            ("--upstream", "http://127.0.0.1:1", "--token", "k=root"),
            "--token: expected KEY=ROLE with ROLE one of staff, admin, user",
        ),
        (
            ("--upstream", "http://127.0.0.1:1", "--upstream-timeout", "0"),
            "--upstream-timeout: 0 must be more than 0 and at most 3600",
        ),
        (
            ("--upstream", "http://127.0.0.1:1", "--record", "/"),
            "--record: / is a folder: give a file's path",
        ),
    ],
)
def test_usage_errors_are_one_line(args: tuple[str, ...], message: str) -> None:
    result = proxy_cli(*args)
    assert result.returncode == 2
    assert result.stderr == f"contacts-contract proxy: error: {message}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--upstream", "http://127.0.0.1:18000/api/contacts/"),
            "--upstream: http://127.0.0.1:18000/api/contacts already ends in /api/contacts: "
            "give the server's root, http://127.0.0.1:18000",
        ),
        (
            ("--upstream", "http://127.0.0.1:99999"),
            "--upstream: 'http://127.0.0.1:99999': a port is a number from 1 to 65535",
        ),
        (
            ("--upstream", "http://1", "--token", "k=staff", "--token", "k=user"),
            "--token: the same key is given for staff and for user",
        ),
        (
            ("--upstream", "http://1", "--cors-origin", "http://127.0.0.1:5173/"),
            "--cors-origin: 'http://127.0.0.1:5173/' is not an origin: give "
            "scheme://host[:port] with nothing after, as a browser sends it (or * for any); "
            "did you mean http://127.0.0.1:5173?",
        ),
    ],
)
def test_values_no_request_could_use_are_refused_before_the_proxy_starts(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_settings(args)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"contacts-contract proxy: error: {message}\n"


def test_a_wrong_environment_variable_is_a_one_line_usage_error() -> None:
    result = proxy_cli("--upstream", "http://127.0.0.1:1", env={"CONTACTS_PROXY_STRICT": "maybe"})
    assert result.returncode == 2
    assert result.stderr == (
        "contacts-contract proxy: error: CONTACTS_PROXY_STRICT: 'maybe' is not a yes/no value\n"
    )


def test_help_names_every_option() -> None:
    result = proxy_cli("--help")
    assert result.returncode == 0
    for option in ("--upstream", "--token", "--strict", "--record", "--upstream-timeout"):
        assert option in result.stdout
    # The parser adds "(default: ...)" to each option that has one; a help text says none.
    text = " ".join(result.stdout.split())
    assert "(default " not in text
    assert text.count("(default: 10)") == 1
