"""`pytest contract-cases/`: the plugin collects case files, one test per case named by
its label, sent to the target the plugin's options and variables name; a session of
cases that sent none of them does not pass."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contacts_core import cases
from contacts_core.spec import operation
from tests.support.commands import case_line, said, write_lines
from tests.support.processes import run_pytest, running_mock
from tests.support.sockets import get_json, port_of

pytestmark = pytest.mark.process

OPERATION = operation()


@pytest.mark.slow
def test_one_test_per_case_named_by_its_label_and_other_jsonl_files_left_alone(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "contract-cases"
    write_lines(
        folder / "frontend.jsonl",
        case_line("the form's example", OPERATION.request_example),
        case_line("blank subject", {"subject": " "}),
        case_line("blank subject", {"subject": ""}),
        case_line("signed out", {"subject": "Hi"}, credential="none"),
    )
    write_lines(folder / "data.jsonl", json.dumps({"label": "cat", "text": "a data set"}))
    junit = tmp_path / "junit.xml"
    # No --base-url: the embedded mock, as for the rest of the plugin.
    result = run_pytest(tmp_path, "contract-cases", "-v", f"--junit-xml={junit}")
    assert result.returncode == 0, said(result)
    names = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase")]
    assert names == [
        "the form's example",
        "blank subject",
        "blank subject (contract-cases/frontend.jsonl:3)",
        "signed out",
    ]
    assert "4 passed" in result.stdout
    assert "data.jsonl" not in result.stdout


@pytest.mark.slow
def test_a_failing_case_names_its_check_file_and_line_and_never_a_key(tmp_path: Path) -> None:
    folder = tmp_path / "contract-cases"
    write_lines(
        folder / "regressions.jsonl",
        case_line("plain subject", {"subject": "Hi"}),
        case_line("padded subject", {"subject": "  Hi\t"}),
        case_line("as an admin", {"subject": "Hi"}, credential="admin"),
        case_line("without permission", {"subject": "Hi"}, credential="user"),
        case_line("another scheme", {"subject": "Hi"}, credential="bearer"),
    )
    with running_mock(
        "--fault", "trimmed-strings", "--token", "Sekrit42=staff", "--token", "Other99=user"
    ) as mock:
        env = {"CONTACTS_CONTRACT_BASE_URL": mock.base_url, "CONTACTS_CONTRACT_TOKEN": "Sekrit42"}
        result = run_pytest(
            tmp_path, "contract-cases", "-rfs", "--non-staff-token", "Other99", env=env
        )
        journal = get_json(port_of(mock), "/__mock__/requests")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "1 failed, 3 passed, 1 skipped" in output
    assert "FAILED contract-cases/regressions.jsonl::padded subject" in output
    assert "case 'padded subject' (contract-cases/regressions.jsonl:2) broke 1 check(s):" in output
    assert 'echo: "subject" came back as "Hi"; "  Hi\\t" was sent' in output
    assert "SKIPPED [1] contract-cases/regressions.jsonl:3: needs --admin-token" in output
    assert '-H "Authorization: Token ${CONTACTS_CONTRACT_TOKEN}"' in output
    assert "Sekrit42" not in output
    assert "Other99" not in output
    # Four cases sent (the skipped one is not), plus the check that the target answers.
    assert len(journal) == 5


@pytest.mark.slow
def test_a_session_that_sent_no_case_does_not_pass(tmp_path: Path) -> None:
    folder = tmp_path / "contract-cases"
    write_lines(folder / "recorded.jsonl", case_line("whose key?", {"subject": "Hi"}, "masked"))
    result = run_pytest(tmp_path, "contract-cases", "-rs")
    assert result.returncode == 3, said(result)
    assert "1 skipped" in result.stdout
    assert (
        "contacts-contract: could not judge the backend: nothing was sent: no case of "
        "contract-cases/recorded.jsonl could be sent; contract-cases/recorded.jsonl:1: the "
        "recorder did not know the key's role"
    ) in result.stdout


@pytest.mark.slow
def test_hostile_case_files_are_refused_and_nothing_is_sent(tmp_path: Path) -> None:
    folder = tmp_path / "contract-cases"
    good = case_line("fine", {"subject": "Hi"})
    hostile = {
        "truncated.jsonl": case_line("cut", {"subject": "Hi"})[:-30],
        "types.jsonl": case_line("types", {"subject": "Hi"}, content_type=415),
        "credential.jsonl": case_line("who", {"subject": "Hi"}, credential="root"),
        "huge.jsonl": case_line("huge", "x" * (10 * 1024 * 1024)),
        "base64.jsonl": case_line("b64", "").replace('"body": ""', '"body_base64": "eA="'),
    }
    for name, text in hostile.items():
        write_lines(folder / name, good, text)
    data = write_lines(tmp_path / "data.jsonl", json.dumps({"label": "cat"}))
    with running_mock() as mock:
        result = run_pytest(
            tmp_path, "contract-cases", str(data), "--base-url", mock.base_url, "--token",
            "staff-token",
        )  # fmt: skip
        journal = get_json(port_of(mock), "/__mock__/requests")
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    assert "6 errors" in output
    for name, message in [
        ("truncated", "not JSON (a cut or broken line?)"),
        ("types", 'content_type: 415 is not of types "null", "string"'),
        ("credential", 'credential: "root" is not one of staff, admin, user'),
        ("huge", f"the line is over {cases.max_line_bytes()} bytes"),
        ("base64", "body_base64: not valid base64 (Incorrect padding)"),
    ]:
        assert f"\ncontract-cases/{name}.jsonl:2: {message}" in output, name
    # Named on the command line, a file is read as a case file whatever its first line.
    assert '\ndata.jsonl:1: "source" is a required property' in output
    assert journal == []
