"""contacts-contract from the outside: exit codes, reports, reproduction commands."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from contacts_core.tokens import LookAlike, look_alikes
from contract_tests import cli
from contract_tests.checks import CHECKS
from contract_tests.client_warnings import WARNINGS
from contract_tests.config import ConfigError, build
from contract_tests.http import Request
from contract_tests.report import Secrets, curl
from mock_server.embedded import EmbeddedMock
from mock_server.settings import Settings
from tests.support.commands import case_line, contract, said, write_lines
from tests.support.processes import free_port, running_mock
from tests.support.tls_proxy import tls_proxy

pytestmark = pytest.mark.process

TIMEOUT = 300
EVERY_CASE = [c.name for c in CHECKS] + [w.name for w in WARNINGS]


def junit_cases(path: Path) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in ET.parse(path).getroot().iter("testcase")}


@pytest.mark.slow
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
        (["--max-time", "0"], {}, "--max-time"),
        ([], {"CONTACTS_CONTRACT_MAX_TIME": "soon"}, "CONTACTS_CONTRACT_MAX_TIME"),
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
        f"contacts-contract: could not judge the backend: cannot reach {url}/api/contacts/: "
        "connection refused"
    )


def test_options_come_from_the_environment_and_flags_win() -> None:
    environ = {
        "CONTACTS_CONTRACT_MAX_EXAMPLES": "7",
        "CONTACTS_CONTRACT_SHOW_TOKEN": "yes",
        "CONTACTS_CONTRACT_MAX_TIME": "30",
        "CONTACTS_CONTRACT_WARNINGS_AS_ERRORS": "1",
    }
    config = build({"max_examples": None, "seed": "5"}, environ)
    assert (config.max_examples, config.seed, config.show_token) == (7, 5, True)
    assert (config.max_time, config.warnings_as_errors) == (30.0, True)
    assert build({"max_examples": "9", "max_time": "2.5"}, environ).max_time == 2.5
    assert build({}, {}).max_time is None
    assert build({"max_examples": "9"}, environ).max_examples == 9
    with pytest.raises(ConfigError, match="CONTACTS_CONTRACT_MAX_EXAMPLES"):
        build({}, {"CONTACTS_CONTRACT_MAX_EXAMPLES": "0"})


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"token": "k", "non_staff_token": "k"}, "--token and for --non-staff-token"),
        ({"token": "k", "admin_token": "k"}, "--token and for --admin-token"),
        ({"token": "a", "admin_token": "k", "non_staff_token": "k"}, "--admin-token and for --non"),
    ],
)
def test_one_key_for_two_roles_is_a_usage_error_naming_both_options(
    given: dict[str, str], message: str
) -> None:
    # The suite would expect two answers to one request, and blame the backend for one.
    with pytest.raises(ConfigError, match=f"^the same key is given for {message}"):
        build({"base_url": "http://127.0.0.1:9", **given}, {})


def test_a_path_that_cannot_be_written_is_refused_before_anything_is_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    unreachable = f"http://127.0.0.1:{free_port()}"  # had it sent anything, it would exit 3
    for args, says in (
        (("--junit-xml", str(tmp_path)), f"--junit-xml: {tmp_path} is a folder: give a file's path"),
        (("--report", str(tmp_path / "a-file" / "r.md")), f"--report: {tmp_path}/a-file is not a folder"),
        (("--save-cases", str(tmp_path / "a-file")), f"--save-cases: {tmp_path}/a-file is not a folder: give a folder's path"),
    ):  # fmt: skip
        with pytest.raises(SystemExit) as exit_info:
            cli.main(["--base-url", unreachable, "--token", "k", *args])
        assert exit_info.value.code == 2
        assert capsys.readouterr().err == f"contacts-contract: error: {says}\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize(("fault", "status"), [(None, 2), ("email-lowercased", 1)])
def test_a_file_that_cannot_be_written_at_the_end_keeps_the_verdict_and_the_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fault: str | None, status: int
) -> None:
    """A full disk at the end: every other file is written, one line says which was not,
    and the status is the verdict's (2 for a contract that held: never 1)."""
    mixed_case = case_line("mixed case", {"subject": "Hi", "email": "Jo@Example.COM"})
    cases = write_lines(tmp_path / "cases.jsonl", mixed_case)
    found = tmp_path / "found"
    write_lines(found / "echo.jsonl", "not a case")  # saving the echo failure there fails
    junit = tmp_path / "out" / "junit.xml"
    with (
        EmbeddedMock(Settings(port=0, fault=fault)) as mock,
        pytest.raises(SystemExit) as exit_info,
    ):
        cli.main([
            "--base-url", mock.url, "--token", "staff-token", "--cases", str(cases), "--cases-only",
            "--report", "/dev/full", "--junit-xml", str(junit), "--save-cases", str(found),
        ])  # fmt: skip
    err = capsys.readouterr().err
    assert exit_info.value.code == status, err
    assert "Traceback" not in err
    assert "contacts-contract: error: cannot write /dev/full: No space left on device\n" in err
    assert "echo" in junit_cases(junit)
    if fault:
        assert (
            f"contacts-contract: error: cannot save the cases: {found}/echo.jsonl:1: not JSON"
            in err
        )


@pytest.mark.slow
def test_embedded_mock_passes_and_reports_are_written(tmp_path: Path) -> None:
    junit, report = tmp_path / "out" / "junit.xml", tmp_path / "report.md"
    result = contract(
        "--max-examples", "10", "--seed", "1", "--junit-xml", str(junit), "--report", str(report)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(embedded mock)" in result.stdout
    n = len(CHECKS)
    assert f"the contract holds: {n} passed, 0 failed, 0 not run of {n} checks; no warnings" in (
        result.stdout
    )
    cases = junit_cases(junit)
    assert list(cases) == EVERY_CASE
    assert all(len(case) == 0 for case in cases.values())  # no failure, no skipped, no note
    text = report.read_text()
    assert text.startswith("# Contract test report")
    assert "| `echo` | echo | passed |" in text
    assert "| `heading_path_served` | paths | passed | 1 call |" in text
    assert "| 403 |" in text
    assert "| fixed examples |" in text  # how the time went


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


@pytest.mark.slow
def test_violations_exit_1_naming_the_check(
    faulty_run: tuple[subprocess.CompletedProcess[str], Path], lowercasing_mock: str
) -> None:
    result, _ = faulty_run
    assert result.returncode == 1, result.stderr
    assert "FAILED   echo" in result.stdout
    assert '1. echo: "email" came back as' in result.stdout
    assert f"Replay: contacts-contract --base-url {lowercasing_mock} --seed 3" in result.stdout
    assert f"the contract is broken: {len(CHECKS) - 1} passed, 1 failed, 0 not run" in result.stdout


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
    assert list(cases) == EVERY_CASE
    failure = cases["echo"].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith('"email" came back as')
    assert "curl -sS -i -X POST" in (failure.text or "")
    assert "replay: contacts-contract" in (failure.text or "")
    assert cases["timestamps"].find("failure") is None


def test_html_report_shows_every_distinct_failure_collapsed(
    faulty_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, out = faulty_run
    html = (out / "report.html").read_text()
    assert html.startswith("<!doctype html>")
    assert "the contract is broken" in html
    group = html.split("<details><summary><code>echo</code>: ", 1)[1].split("</details>")[0]
    counted = re.match(r"(\d+) calls failed; (\d+) distinct failures shown", group)
    assert counted is not None, group[:200]
    calls, shown = int(counted.group(1)), int(counted.group(2))
    assert shown > 1
    assert calls >= shown
    assert group.count("<p class='failed'>") == shown
    assert group.count("curl -sS -i -X POST") == shown
    # The console shows the first and says exactly how many more the report holds.
    assert f"({shown - 1} more distinct failures in {out / 'report.html'})" in result.stdout


@pytest.mark.slow
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


@pytest.mark.slow
def test_self_signed_target_needs_insecure(tmp_path: Path) -> None:
    with running_mock() as mock, tls_proxy(mock.base_url, tmp_path) as url:
        refused = contract("--base-url", url, "--token", "staff-token", "--max-examples", "5")
        accepted = contract(
            "--base-url", url, "--token", "staff-token", "--max-examples", "5", "--insecure"
        )
    assert refused.returncode == 3
    assert "certificate" in refused.stderr.strip().splitlines()[-1]
    assert accepted.returncode == 0, said(accepted)
    assert "the contract holds" in accepted.stdout
    assert "InsecureRequestWarning" not in accepted.stderr


@pytest.mark.parametrize("alike", look_alikes("s3cr$t-KEY"), ids=lambda a: a.kind)
def test_look_alike_keys_are_masked_and_replayed_exactly(alike: LookAlike, tmp_path: Path) -> None:
    """A key that resembles a real one is as secret as the key: the command builds it from
    the key's variable (with bash), and sends exactly the look-alike."""
    key = "s3cr$t-KEY"
    fake = tmp_path / "curl"
    fake.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        "sys.stdout.write(json.dumps(args[args.index('-H') + 1]))\n"
    )
    fake.chmod(0o755)
    request = Request(
        "POST",
        "http://127.0.0.1:1/api/contacts/",
        (("Authorization", f"Token {alike.key}"), ("Content-Type", "application/json")),
        b"{}",
    )
    command = curl(request, Secrets({key: "CONTACTS_CONTRACT_TOKEN"}))
    assert alike.key not in command
    assert key not in command
    run = subprocess.run(
        ["bash", "-c", command],
        env={"PATH": f"{tmp_path}:{os.environ['PATH']}", "CONTACTS_CONTRACT_TOKEN": key},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == f"Authorization: Token {alike.key}"


@pytest.fixture(scope="module")
def bearer_mock() -> Iterator[str]:
    with running_mock("--fault", "www-authenticate-bearer") as mock:
        url = mock.base_url
        yield url


@pytest.mark.slow
def test_warnings_are_reported_and_do_not_fail_the_run(bearer_mock: str, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = contract(
        "--base-url", bearer_mock, "--token", "staff-token", "--max-examples", "5",
        "--junit-xml", str(junit), "--report", str(tmp_path / "report.md"),
    )  # fmt: skip
    assert result.returncode == 0, said(result)
    assert "WARNING  www_authenticate_scheme" in result.stdout
    assert "W1. www_authenticate_scheme: a 401 asks for WWW-Authenticate:" in result.stdout
    assert f"0 failed, 2 not run of {len(CHECKS)} checks; 1 warning (they do not fail the run)" in (
        result.stdout
    )
    case = junit_cases(junit)["www_authenticate_scheme"]
    assert case.find("failure") is None
    note = case.find("system-out")
    assert note is not None
    assert (note.text or "").startswith("WARNING www_authenticate_scheme:")
    markdown = (tmp_path / "report.md").read_text()
    assert "## Warnings raised" in markdown
    assert "| `www_authenticate_scheme` | auth | warned |" in markdown


@pytest.mark.slow
def test_warnings_as_errors_fails_the_run(bearer_mock: str, tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = contract(
        "--base-url", bearer_mock, "--max-examples", "5", "--junit-xml", str(junit),
        env={"CONTACTS_CONTRACT_TOKEN": "staff-token", "CONTACTS_CONTRACT_WARNINGS_AS_ERRORS": "1"},
    )  # fmt: skip
    assert result.returncode == 1, said(result)
    assert "1 warning, counted as errors (--warnings-as-errors)" in result.stdout
    failure = junit_cases(junit)["www_authenticate_scheme"].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("a 401 asks for WWW-Authenticate")
