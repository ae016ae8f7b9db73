"""`pytest --pyargs contract_tests` from a directory that has nothing to do with the project."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contacts_core.cases import load_all
from contract_tests.checks import CHECKS
from tests.support.processes import free_port, run_pytest, running_mock

pytestmark = pytest.mark.process


def pytest_pyargs(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_pytest(tmp_path, "--pyargs", "contract_tests", *args, env=env)


@pytest.mark.slow
def test_plugin_passes_the_embedded_mock_with_one_case_per_check(tmp_path: Path) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.md"
    result = pytest_pyargs(
        tmp_path, "--max-examples", "5", "--seed", "1", "--junit-xml", str(junit),
        "--report", str(report),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"{len(CHECKS)} passed" in result.stdout
    assert "the contract holds" in result.stdout
    names = [case.get("name") for case in ET.parse(junit).getroot().iter("testcase")]
    assert names == [f"test_contract[{c.name}]" for c in CHECKS]
    assert report.read_text().startswith("# Contract test report")


@pytest.mark.slow
def test_plugin_fails_a_faulty_backend_naming_the_check(tmp_path: Path) -> None:
    with running_mock("--fault", "missing-www-authenticate", "--token", "Sekrit42=staff") as mock:
        url = mock.base_url
        result = pytest_pyargs(
            tmp_path, "--base-url", url, "--max-examples", "5", "--save-cases", "found",
            env={"CONTACTS_CONTRACT_TOKEN": "Sekrit42"},
        )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    assert "FAILED test_contract.py::test_contract[authentication_required]" in result.stdout
    assert "got 401 without WWW-Authenticate" in result.stdout
    # The checks that need the admin and non-staff keys are listed as not run.
    assert "2 failed, 12 passed, 2 skipped" in result.stdout
    assert "Sekrit42" not in result.stdout
    # What it found, kept as cases, as the command line keeps them.
    assert "new failure(s) saved in found: " in result.stdout
    saved = load_all([tmp_path / "found" / "authentication_required.jsonl"])
    assert saved
    assert "Sekrit42" not in (tmp_path / "found" / "authentication_required.jsonl").read_text()


@pytest.mark.slow
def test_plugin_exit_codes_for_bad_options_and_unreachable_targets(tmp_path: Path) -> None:
    bad = pytest_pyargs(tmp_path, "--workers", "0")
    assert bad.returncode == 2
    assert "contacts-contract: error: --workers" in bad.stdout + bad.stderr
    url = f"http://127.0.0.1:{free_port()}"
    gone = pytest_pyargs(tmp_path, "--base-url", url, "--token", "k")
    assert gone.returncode == 3
    assert f"cannot reach {url}/api/contacts/: connection refused" in gone.stdout + gone.stderr


@pytest.mark.slow
def test_plugin_reports_warnings_and_fails_on_them_when_asked(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    with running_mock("--fault", "json-latin1-charset") as mock:
        url = mock.base_url
        result = pytest_pyargs(
            tmp_path, "--base-url", url, "--max-examples", "5", "--junit-xml", str(junit),
            "--warnings-as-errors",
            env={"CONTACTS_CONTRACT_TOKEN": "staff-token"},
        )  # fmt: skip
    # Every check passes; the warning alone fails the session, as asked.
    assert result.returncode == 1, result.stdout[-3000:]
    assert "14 passed, 2 skipped, 1 warning" in result.stdout
    assert "ContractWarning: json_charset: a 400 declares Content-Type" in result.stdout
    assert "1 warning, counted as errors (--warnings-as-errors)" in result.stdout
    properties = {
        p.get("name"): p.get("value", "") for p in ET.parse(junit).getroot().iter("property")
    }
    assert properties["warning json_charset"].startswith("json_charset: a ")
