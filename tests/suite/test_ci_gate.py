"""examples/ci: the gate script runs against a real mock process, correct and faulty, from
the toolkit's wheel installed as a backend's pipeline installs it; the toolkit installs
from its git repository at a tag, as the jobs do; and the CI jobs call the gate with it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from contacts_core.cases import load_all
from contract_tests.checks import CHECKS
from contract_tests.client_warnings import WARNINGS
from tests.support.commands import case_line, said, write_lines
from tests.support.environments import ROOT, build_wheel, fresh_venv
from tests.support.processes import free_port, running_mock, running_mock_of

pytestmark = pytest.mark.process

CI = Path(__file__).resolve().parents[2] / "examples" / "ci"
GATE = CI / "gate.sh"


def gate(url: str, cwd: Path, **extra: str | None) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONTACTS_CONTRACT_", "GATE_")) and k != "PYTHONPATH"
    }
    env: dict[str, str | None] = {
        **clean,
        # The toolkit is already installed here: the gate skips its pip step.
        "GATE_INSTALL": "",
        "PYTHON": sys.executable,
        "CONTACTS_CONTRACT_BASE_URL": url,
        "CONTACTS_CONTRACT_TOKEN": "staff-token",
        "CONTACTS_CONTRACT_ADMIN_TOKEN": "admin-token",
        "CONTACTS_CONTRACT_NON_STAFF_TOKEN": "user-token",
        "CONTACTS_CONTRACT_MAX_EXAMPLES": "10",
        **extra,
    }
    given = {name: value for name, value in env.items() if value is not None}  # None: unset
    return subprocess.run(
        ["sh", str(GATE)], cwd=cwd, env=given, capture_output=True, text=True, timeout=900
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The toolkit's wheel, built here, and the python of a fresh venv to install it in."""
    wheel = build_wheel(tmp_path_factory.mktemp("dist"))
    return wheel, fresh_venv(tmp_path_factory.mktemp("pipeline") / "venv")


@pytest.mark.slow
def test_gate_installs_the_wheel_then_passes_a_correct_backend_and_fails_a_faulty_one(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    wheel, python = installed
    passed, failed = tmp_path / "correct", tmp_path / "faulty"
    with running_mock("--log-level", "warning") as mock:
        first = gate(
            mock.base_url, passed.mkdir() or passed, GATE_INSTALL=str(wheel), PYTHON=str(python)
        )
    assert first.returncode == 0, said(first)
    assert f"gate: installing {wheel}" in first.stdout
    assert "gate: contacts-contract exited with 0" in first.stdout
    # Everything below comes from the wheel: the suite the gate installed, and the mock
    # it brings, started from the pipeline's venv with a deliberate bug.
    assert (python.parent / "contacts-contract").exists()
    with running_mock_of(python, "--fault", "dropped-field", "--log-level", "warning") as mock:
        second = gate(
            mock.base_url, failed.mkdir() or failed, GATE_INSTALL=str(wheel), PYTHON=str(python)
        )
    assert second.returncode == 1, said(second)
    assert "gate: contacts-contract exited with 1" in second.stdout
    for folder, verdict in ((passed, "the contract holds"), (failed, "the contract is broken")):
        report = (folder / "contract-report.md").read_text()
        assert report.startswith("# Contract test report")
        assert f"**{verdict}" in report
        cases = list(ET.parse(folder / "contract-junit.xml").getroot().iter("testcase"))
        assert len(cases) == len(CHECKS) + len(WARNINGS)
    junit = ET.parse(failed / "contract-junit.xml").getroot()
    broken = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert broken == ["echo"]
    assert {Path(c.where).stem for c in load_all([failed / "contract-found"])} == {"echo"}


def test_gate_without_gate_install_says_where_the_toolkit_comes_from(tmp_path: Path) -> None:
    result = gate("http://127.0.0.1:9", tmp_path, GATE_INSTALL=None)
    assert result.returncode == 2
    assert result.stderr.startswith("gate: set GATE_INSTALL to where pip gets the toolkit")
    assert "git+https://HOST/PATH.git@vX.Y.Z" in result.stderr


@pytest.mark.slow
def test_the_toolkit_installs_from_its_git_repository_at_a_tag(tmp_path: Path) -> None:
    # As the jobs install it: pip, the git URL and a tag. A clone stands in for the
    # toolkit's repository (what is committed, tagged here).
    repository = tmp_path / "contacts-api-toolkit"
    git = ["git", "-c", "user.name=ci", "-c", "user.email=ci@example.com"]
    subprocess.run([*git, "clone", "--quiet", str(ROOT), str(repository)], check=True, timeout=120)
    subprocess.run([*git, "-C", str(repository), "tag", "v0.1.0"], check=True, timeout=60)
    site = tmp_path / "site"
    # A PEP 508 URL needs a host: git reads file://localhost/PATH as file:///PATH.
    requirement = f"contacts-api-toolkit @ git+file://localhost{repository}@v0.1.0"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
         requirement],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert (site / "contacts_core" / "openapi.yaml").read_bytes() == (
        repository / "spec" / "openapi.yaml"
    ).read_bytes()
    assert (site / "contract_tests" / "cli.py").exists()


@pytest.mark.slow
def test_gate_passes_a_correct_backend_and_writes_the_reports(tmp_path: Path) -> None:
    write_lines(tmp_path / "contract-cases" / "frontend.jsonl", case_line("hi", {"subject": "Hi"}))
    with running_mock() as mock:
        url = mock.base_url
        result = gate(url, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    cases = list(ET.parse(tmp_path / "contract-junit.xml").getroot().iter("testcase"))
    assert len(cases) == len(CHECKS) + len(WARNINGS)  # the checks, then the warnings
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


def installs(requirement: str) -> None:
    """What a job installs is the toolkit from its git repository at a tag, or a wheel:
    never a bare name, which no index a CI reaches has."""
    name, at, url = requirement.partition(" @ ")
    assert (name, at) == ("contacts-api-toolkit", " @ "), requirement
    assert url.startswith("git+https://"), url
    assert url.rsplit("@", 1)[1] == "v0.1.0", url  # a release tag, not a branch


def test_github_job_installs_the_toolkit_from_git_at_a_tag() -> None:
    job = load("github-actions.yml")
    installs(job["env"]["TOOLKIT"])
    steps = job["jobs"]["contract"]["steps"]
    gate_step = next(s for s in steps if s.get("name") == "Contract gate")
    assert gate_step["env"]["GATE_INSTALL"] == "${{ env.TOOLKIT }}"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert 'pip install "$TOOLKIT"' in runs
    assert "pip install contacts-api-toolkit" not in runs


def test_gitlab_job_installs_the_toolkit_from_git_at_a_tag() -> None:
    job = load("gitlab-ci.yml")["contract-gate"]
    installs(job["variables"]["TOOLKIT"])
    assert job["variables"]["GATE_INSTALL"] == "$TOOLKIT"
    assert not job["image"].endswith("-slim")  # git is needed for a git URL
    assert 'pip install "$TOOLKIT"' in job["before_script"]


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


def test_a_wrong_option_fails_at_once_in_the_suites_words(tmp_path: Path) -> None:
    # Left to the wait, a URL without a scheme was only found out GATE_WAIT seconds later.
    started = time.monotonic()
    result = gate("127.0.0.1:9", tmp_path)
    assert result.returncode == 2, said(result)
    assert time.monotonic() - started < 60
    assert result.stderr == (
        "contacts-contract: error: CONTACTS_CONTRACT_BASE_URL: '127.0.0.1:9' is not an "
        "http:// or https:// URL\n"
    )
    assert "waiting" not in result.stdout


def test_gate_wait_must_be_whole_seconds(tmp_path: Path) -> None:
    result = gate("http://127.0.0.1:9", tmp_path, GATE_WAIT="abc")
    assert result.returncode == 2
    assert result.stderr == "gate: GATE_WAIT must be a whole number of seconds, not 'abc'\n"


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
