"""contacts-contract --cases and --save-cases, as users run them: cases are sent first on
every run whatever its budget, a failing case is reported with its label, file and line,
a run's failures become case files, and a bad case file stops the run before anything
is sent."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contacts_core import cases
from contacts_core.spec import operation
from tests.support.commands import case_line, contract, said, write_lines
from tests.support.processes import running_mock
from tests.support.sockets import get_json, port_of

pytestmark = pytest.mark.process

KEY = "Sekrit-Staff-Key-7"
PATH = operation().path


@pytest.mark.slow
def test_cases_go_first_whatever_the_budget_and_a_failing_one_names_its_file_and_line(
    tmp_path: Path,
) -> None:
    write_lines(
        tmp_path / "contract-cases" / "regressions.jsonl",
        case_line("padded subject", {"subject": "  Hi\t"}),
        case_line("plain subject", {"subject": "Hi"}),
    )
    frontend = write_lines(
        tmp_path / "frontend.jsonl",
        case_line("from the form", {"subject": "Form"}),
        case_line("as an admin", {"subject": "Hi"}, credential="admin"),
    )
    junit = tmp_path / "junit.xml"
    with running_mock("--fault", "trimmed-strings", "--token", f"{KEY}=staff") as mock:
        env = {
            "CONTACTS_CONTRACT_BASE_URL": mock.base_url,
            "CONTACTS_CONTRACT_TOKEN": KEY,
            # Several paths in one variable, as PATH holds them.
            "CONTACTS_CONTRACT_CASES": os.pathsep.join(["contract-cases", frontend.name]),
        }
        result = contract(
            "--max-time", "1", "--max-examples", "5", "--junit-xml", str(junit),
            env=env, cwd=tmp_path,
        )  # fmt: skip
        journal = get_json(port_of(mock), "/__mock__/requests")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    # Sent first, after the check that the target answers: the three cases with a key.
    assert [entry["status"] for entry in journal[1:4]] == [201, 201, 201]
    assert "request: case 'padded subject' at contract-cases/regressions.jsonl:1" in output
    assert 'echo: "subject" came back as "Hi"; "  Hi\\t" was sent' in output
    assert "Cases: 3 sent from contract-cases, frontend.jsonl, 1 not sent" in output
    assert "Cases not sent\n  frontend.jsonl:2: needs --admin-token" in output
    assert "  cases                      3 requests" in output
    assert KEY not in output
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["cases_not_sent"] == "1"


@pytest.mark.slow
def test_failures_saved_as_cases_replay_alone_and_are_saved_once(tmp_path: Path) -> None:
    found = tmp_path / "contract-cases" / "found"
    with running_mock("--fault", "email-lowercased", "--token", f"{KEY}=staff") as mock:
        env = {"CONTACTS_CONTRACT_BASE_URL": mock.base_url, "CONTACTS_CONTRACT_TOKEN": KEY}
        first = contract("--max-examples", "5", "--seed", "7", "--save-cases", str(found), env=env)
        replayed = contract(
            "--cases", str(found), "--cases-only", "--save-cases", str(found), env=env
        )
    assert first.returncode == 1, said(first)
    assert f"new failure(s) saved in {found}: echo.jsonl (" in first.stdout
    saved = cases.load_all([found / "echo.jsonl"])
    assert saved
    assert {(c.source, c.path, c.credential) for c in saved} == {("failure", PATH, "staff")}
    assert all(c.label.startswith('echo: "email" came back as ') for c in saved)
    assert KEY not in (found / "echo.jsonl").read_text()

    # By itself, the same failure again; the same requests are not saved twice.
    assert replayed.returncode == 1, said(replayed)
    assert "FAILED   echo" in replayed.stdout
    assert "not run  status_code_coverage              only cases were sent" in replayed.stdout
    assert f"Cases: no new failure to save in {found}" in replayed.stdout
    assert f"--cases {found} --cases-only" in replayed.stdout  # the replay line
    assert cases.load_all([found / "echo.jsonl"]) == saved


@pytest.mark.slow
def test_a_bad_case_file_stops_the_run_before_anything_is_sent(tmp_path: Path) -> None:
    folder = tmp_path / "contract-cases"
    write_lines(folder / "a-fine.jsonl", case_line("fine", {"subject": "Hi"}))
    write_lines(
        folder / "b-huge.jsonl",
        case_line("fine", {"subject": "Hi"}),
        case_line("huge", "x" * (10 * 1024 * 1024)),
    )
    with running_mock() as mock:
        result = contract(
            "--base-url", mock.base_url, "--token", "staff-token", "--cases", str(folder)
        )  # fmt: skip
        journal = get_json(port_of(mock), "/__mock__/requests")
    assert result.returncode == 2
    assert result.stderr == (
        f"contacts-contract: error: {folder / 'b-huge.jsonl'}:2: the line is over "
        f"{cases.max_line_bytes()} bytes (a case's body holds at most "
        f"{cases.max_body_bytes()} bytes, twice the spec's x-max-body-bytes)\n"
    )
    assert journal == []


def test_cases_only_needs_cases() -> None:
    result = contract("--cases-only")
    assert result.returncode == 2
    assert result.stderr == (
        "contacts-contract: error: --cases-only needs --cases PATH (the cases to send)\n"
    )
