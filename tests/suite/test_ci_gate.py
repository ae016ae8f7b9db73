"""examples/ci: the gate script runs against a real mock process, and the CI jobs call it."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from contacts_core.cases import load_all
from tests.support.commands import case_line, write_lines
from tests.support.processes import free_port, running_mock

pytestmark = pytest.mark.process

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"
GATE = CI / "gate.sh"


def gate(url: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_CONTRACT_")}
    env = {
        **clean,
        # The toolkit is already installed here: the gate skips its pip step.
        "GATE_INSTALL": "",
        "PYTHON": sys.executable,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "CONTACTS_CONTRACT_BASE_URL": url,
        "CONTACTS_CONTRACT_TOKEN": "staff-token",
        "CONTACTS_CONTRACT_ADMIN_TOKEN": "admin-token",
        "CONTACTS_CONTRACT_NON_STAFF_TOKEN": "user-token",
        "CONTACTS_CONTRACT_MAX_EXAMPLES": "10",
        **extra,
    }
    return subprocess.run(
        ["sh", str(GATE)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_gate_passes_a_correct_backend_and_writes_the_reports(tmp_path: Path) -> None:
    write_lines(tmp_path / "contract-cases" / "frontend.jsonl", case_line("hi", {"subject": "Hi"}))
    with running_mock() as mock:
        url = mock.base_url
        result = gate(url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    cases = list(ET.parse(tmp_path / "contract-junit.xml").getroot().iter("testcase"))
    assert len(cases) == 16 + 4  # the checks, then the warnings
    assert (tmp_path / "contract-report.md").read_text().startswith("# Contract test report")
    assert "gate: the cases in contract-cases are sent first" in result.stdout
    assert "Cases: 1 sent from contract-cases, 0 not sent" in result.stdout
    assert "gate: contacts-contract exited with 0" in result.stdout
    assert not (tmp_path / "contract-found").exists()  # nothing found, nothing saved


@pytest.mark.slow
def test_gate_fails_a_faulty_backend_and_keeps_what_it_found(tmp_path: Path) -> None:
    with running_mock("--fault", "500-on-non-ascii") as mock:
        url = mock.base_url
        result = gate(url, tmp_path, GATE_JUNIT="out/junit.xml")
    assert result.returncode == 1, result.stdout + result.stderr
    junit = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    failed = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert "not_a_server_error" in failed
    assert "gate: the cases in" not in result.stdout  # no contract-cases folder here
    found = load_all([tmp_path / "contract-found"])
    assert "not_a_server_error" in {Path(c.where).stem for c in found}


def test_gate_gives_up_on_a_backend_that_never_answers(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = gate(url, tmp_path, GATE_WAIT="1")
    assert result.returncode == 3
    assert f"gate: {url} did not answer within 1 s" in result.stderr
    assert not (tmp_path / "contract-junit.xml").exists()


def load(name: str) -> Any:
    return yaml.safe_load((CI / name).read_text())


def test_github_job_runs_the_gate_and_publishes_junit() -> None:
    steps = load("github-actions.yml")["jobs"]["contract"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert any("contract-gate.sh" in run for run in runs)
    publish = next(s for s in steps if "junit" in s.get("uses", ""))
    assert publish["if"] == "always()"
    assert publish["with"]["report_paths"] == "contract-junit.xml"


def test_gitlab_job_runs_the_gate_and_publishes_junit() -> None:
    job = load("gitlab-ci.yml")["contract-gate"]
    assert any("contract-gate.sh" in line for line in job["script"])
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"]["junit"] == "contract-junit.xml"


def properties(path: Path) -> dict[str, str]:
    return {
        p.get("name", ""): p.get("value", "") for p in ET.parse(path).getroot().iter("property")
    }


@pytest.mark.slow
def test_pull_request_profile_sets_a_time_budget(tmp_path: Path) -> None:
    with running_mock("--fault", "www-authenticate-bearer") as mock:
        url = mock.base_url
        result = gate(url, tmp_path, GATE_PROFILE="pr")
    # A warning is reported; it does not block a pull request.
    assert result.returncode == 0, result.stdout + result.stderr
    assert "gate: profile pr" in result.stdout
    assert properties(tmp_path / "contract-junit.xml")["max_time"] == "30 s"
    assert "W1. www_authenticate_scheme" in result.stdout


@pytest.mark.slow
def test_nightly_profile_fails_on_warnings(tmp_path: Path) -> None:
    with running_mock("--fault", "www-authenticate-bearer") as mock:
        url = mock.base_url
        # The job's own variables win over the profile: 10 examples here, not 1000.
        result = gate(url, tmp_path, GATE_PROFILE="nightly")
    assert result.returncode == 1, result.stdout + result.stderr
    junit = tmp_path / "contract-junit.xml"
    assert properties(junit)["max_examples"] == "10"
    assert properties(junit)["max_time"] == "none"
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert cases["www_authenticate_scheme"].find("failure") is not None


def test_unknown_profile_is_a_usage_error(tmp_path: Path) -> None:
    result = gate("http://127.0.0.1:9", tmp_path, GATE_PROFILE="weekly")
    assert result.returncode == 2
    assert "GATE_PROFILE must be pr, nightly or full" in result.stderr


def test_ci_jobs_pick_the_pull_request_and_nightly_profiles() -> None:
    github = load("github-actions.yml")
    assert "schedule" in github[True]  # YAML 1.1 reads the key `on` as true
    gate_step = next(
        s for s in github["jobs"]["contract"]["steps"] if s.get("name") == "Contract gate"
    )
    profile = gate_step["env"]["GATE_PROFILE"]
    assert "'pull_request' && 'pr'" in profile
    assert "'schedule' && 'nightly'" in profile
    rules = load("gitlab-ci.yml")["contract-gate"]["rules"]
    chosen = {rule.get("if", ""): rule.get("variables", {}).get("GATE_PROFILE") for rule in rules}
    assert chosen['$CI_PIPELINE_SOURCE == "merge_request_event"'] == "pr"
    assert chosen['$CI_PIPELINE_SOURCE == "schedule"'] == "nightly"
