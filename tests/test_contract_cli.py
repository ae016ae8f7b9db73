"""contacts-contract from the outside: exit codes, reports, reproduction commands."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests import cli
from contract_tests.checks import CHECKS
from contract_tests.config import ConfigError, build
from contract_tests.http import Request
from contract_tests.report import Secrets, curl
from tests.processes import free_port, running_mock
from tests.tls_proxy import tls_proxy

TIMEOUT = 300


def contract(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_CONTRACT_")}
    return subprocess.run(
        [sys.executable, "-m", "contract_tests", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def junit_cases(path: Path) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in ET.parse(path).getroot().iter("testcase")}


@pytest.mark.parametrize(
    ("args", "env", "names"),
    [
        (["--max-examples", "0"], {}, "--max-examples"),
        (["--max-examples", "many"], {}, "--max-examples"),
        (["--bogus"], {}, "--bogus"),
        (["--base-url", "ftp://example.com"], {}, "--base-url"),
        (["--base-url", "http://127.0.0.1:9"], {}, "--token"),
        ([], {"CONTACTS_CONTRACT_WORKERS": "lots"}, "CONTACTS_CONTRACT_WORKERS"),
        ([], {"CONTACTS_CONTRACT_REQUEST_TIMEOUT": "-1"}, "CONTACTS_CONTRACT_REQUEST_TIMEOUT"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], env: dict[str, str], names: str
) -> None:
    result = contract(*args, env=env)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("contacts-contract: error:")
    assert names in lines[0]


def test_unreachable_target_exits_3_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = contract("--base-url", url, "--token", "k", "--request-timeout", "5")
    assert result.returncode == 3
    assert result.stderr.strip().splitlines()[-1] == (
        f"contacts-contract: cannot reach {url}/api/contacts/: connection refused"
    )


def test_options_come_from_the_environment_and_flags_win() -> None:
    environ = {"CONTACTS_CONTRACT_MAX_EXAMPLES": "7", "CONTACTS_CONTRACT_SHOW_TOKEN": "yes"}
    config = build({"max_examples": None, "seed": "5"}, environ)
    assert (config.max_examples, config.seed, config.show_token) == (7, 5, True)
    assert build({"max_examples": "9"}, environ).max_examples == 9
    with pytest.raises(ConfigError, match="CONTACTS_CONTRACT_MAX_EXAMPLES"):
        build({}, {"CONTACTS_CONTRACT_MAX_EXAMPLES": "0"})


def test_embedded_mock_passes_and_reports_are_written(tmp_path: Path) -> None:
    junit, report = tmp_path / "out" / "junit.xml", tmp_path / "report.md"
    result = contract(
        "--max-examples", "10", "--seed", "1", "--junit-xml", str(junit), "--report", str(report)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(embedded mock)" in result.stdout
    assert "the contract holds: 16 passed, 0 failed, 0 not run" in result.stdout
    cases = junit_cases(junit)
    assert list(cases) == [c.name for c in CHECKS]
    assert all(len(case) == 0 for case in cases.values())  # no failure, no skipped
    text = report.read_text()
    assert text.startswith("# Contract test report")
    assert "| `echo` | echo | passed |" in text
    assert "| 403 |" in text


@pytest.fixture(scope="module")
def lowercasing_mock() -> Iterator[str]:
    with running_mock("--fault", "email-lowercased") as mock:
        url = mock.base_url
        yield url


@pytest.fixture(scope="module")
def faulty_run(
    lowercasing_mock: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("faulty")
    result = contract(
        "--base-url", lowercasing_mock,
        "--admin-token", "admin-token",
        "--non-staff-token", "user-token",
        "--max-examples", "10",
        "--seed", "3",
        "--junit-xml", str(out / "junit.xml"),
        "--report", str(out / "report.html"),
        env={"CONTACTS_CONTRACT_TOKEN": "staff-token"},
    )  # fmt: skip
    return result, out


def test_violations_exit_1_naming_the_check(
    faulty_run: tuple[subprocess.CompletedProcess[str], Path], lowercasing_mock: str
) -> None:
    result, _ = faulty_run
    assert result.returncode == 1, result.stderr
    assert "FAILED   echo" in result.stdout
    assert "1. echo: 'email' came back as" in result.stdout
    assert f"Replay: contacts-contract --base-url {lowercasing_mock} --seed 3" in result.stdout
    assert "the contract is broken: 15 passed, 1 failed, 0 not run" in result.stdout


def test_reproduction_masks_keys(faulty_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, out = faulty_run
    assert "curl -sS -i -X POST" in result.stdout
    assert '-H "Authorization: Token ${CONTACTS_CONTRACT_TOKEN}"' in result.stdout
    for key in ("staff-token", "admin-token", "user-token"):
        assert key not in result.stdout
        assert key not in (out / "junit.xml").read_text()
        assert key not in (out / "report.html").read_text()


def test_junit_has_one_case_per_check_and_the_failure(
    faulty_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = faulty_run
    cases = junit_cases(out / "junit.xml")
    assert list(cases) == [c.name for c in CHECKS]
    failure = cases["echo"].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("'email' came back as")
    assert "curl -sS -i -X POST" in (failure.text or "")
    assert "replay: contacts-contract" in (failure.text or "")
    assert cases["timestamps"].find("failure") is None


def test_html_report(faulty_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = faulty_run
    html = (out / "report.html").read_text()
    assert html.startswith("<!doctype html>")
    assert "<h3><code>echo</code></h3>" in html
    assert "the contract is broken" in html


def test_show_token_puts_the_key_in_the_command(lowercasing_mock: str) -> None:
    result = contract(
        "--base-url", lowercasing_mock, "--token", "staff-token", "--max-examples", "5",
        "--show-token",
    )  # fmt: skip
    assert result.returncode == 1
    assert "-H 'Authorization: Token staff-token'" in result.stdout


def test_reproduction_command_sends_the_same_request(
    faulty_run: tuple[subprocess.CompletedProcess[str], Path], lowercasing_mock: str
) -> None:
    """The printed command, run by a shell, sends the failing request: same body, and the
    key from the environment variable it names."""
    result, _ = faulty_run
    command = _first_command(result.stdout)
    response = subprocess.run(
        ["bash", "-c", command],
        env={**os.environ, "CONTACTS_CONTRACT_TOKEN": "staff-token"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert response.returncode == 0, response.stderr
    assert response.stdout.startswith("HTTP/1.1 201")
    sent = json.loads(shlex.split(command.replace("\\\n", " "))[-1])
    answered = json.loads(response.stdout.split("\n\n", 1)[1])
    assert answered["email"] == sent["email"].lower() != sent["email"]


def _first_command(output: str) -> str:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("curl "))
    command = []
    for line in lines[start:]:
        command.append(line.strip())
        if not line.endswith("\\"):
            break
    return "\n".join(command)


@pytest.mark.parametrize(
    "body",
    [
        b'{"subject": "it\'s \\"quoted\\" $HOME `x` %s \\\\"}',
        b'{"subject": "a\\u0000b", "x": "\x01\x7f"}',
        b"\xff\xfe{not utf-8",
        b"",
        "Grüße 🎉 '\n'".encode(),
    ],
)
def test_curl_command_carries_any_body_exactly(body: bytes, tmp_path: Path) -> None:
    """Run the command with a stand-in `curl` that records what it would send."""
    fake = tmp_path / "curl"
    fake.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "data = args[args.index('--data-binary') + 1]\n"
        "raw = (sys.stdin.buffer.read() if data == '@-'\n"
        "       else data.encode('utf-8', 'surrogateescape'))\n"
        "sys.stdout.write(json.dumps({'args': args, 'body': raw.hex()}))\n"
    )
    fake.chmod(0o755)
    request = Request(
        "POST",
        "http://127.0.0.1:1/api/contacts/",
        (("Authorization", "Token s3cr$t"), ("Content-Type", "application/json")),
        body,
    )
    command = curl(request, Secrets({"s3cr$t": "CONTACTS_CONTRACT_TOKEN"}))
    assert "s3cr$t" not in command
    run = subprocess.run(
        ["bash", "-c", command],
        env={"PATH": f"{tmp_path}:{os.environ['PATH']}", "CONTACTS_CONTRACT_TOKEN": "s3cr$t"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert bytes.fromhex(seen["body"]) == body
    assert "Authorization: Token s3cr$t" in seen["args"]
    assert "http://127.0.0.1:1/api/contacts/" in seen["args"]


def test_an_internal_error_exits_4_not_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_args: object) -> None:
        raise KeyError("a bug in the suite")

    monkeypatch.setattr(cli, "run", broken)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--base-url", "http://127.0.0.1:9", "--token", "k"])
    assert exit_info.value.code == 4
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert (
        last
        == "contacts-contract: internal error, not a verdict on the target: KeyError('a bug in the suite')"
    )


def test_self_signed_target_needs_insecure(tmp_path: Path) -> None:
    with running_mock() as mock, tls_proxy(mock.base_url, tmp_path) as url:
        refused = contract("--base-url", url, "--token", "staff-token", "--max-examples", "5")
        accepted = contract(
            "--base-url", url, "--token", "staff-token", "--max-examples", "5", "--insecure"
        )
    assert refused.returncode == 3
    assert "certificate" in refused.stderr.strip().splitlines()[-1]
    assert accepted.returncode == 0, accepted.stdout[-2000:]
    assert "the contract holds" in accepted.stdout
    assert "InsecureRequestWarning" not in accepted.stderr
