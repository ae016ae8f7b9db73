"""`pytest --pyargs contract_tests` from a directory that has nothing to do with the project;
and the plugin beside the plugins that bring the ecosystem's --base-url (pytest-base-url,
pytest-playwright), installed in environments the tests make."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from contacts_core.cases import load_all
from contract_tests.checks import CHECKS
from tests.support.commands import said
from tests.support.environments import layered_venv
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
    assert result.returncode == 0, said(result)
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
    assert result.returncode == 1, said(result)
    assert "FAILED test_contract.py::test_contract[authentication_required]" in result.stdout
    assert "got 401 without WWW-Authenticate" in result.stdout
    # The checks that need the admin and non-staff keys are listed as not run.
    assert f"2 failed, {len(CHECKS) - 4} passed, 2 skipped" in result.stdout
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
    # A report path that can never be written: one line before anything is sent, not an
    # error per test after the whole run.
    folder = pytest_pyargs(tmp_path, "--report", str(tmp_path))
    assert folder.returncode == 2, said(folder)
    assert f"contacts-contract: error: --report: {tmp_path} is a folder" in folder.stdout
    assert "no tests ran" in folder.stdout
    url = f"http://127.0.0.1:{free_port()}"
    gone = pytest_pyargs(tmp_path, "--base-url", url, "--token", "k")
    assert gone.returncode == 3
    assert f"cannot reach {url}/api/contacts/: connection refused" in gone.stdout + gone.stderr


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_report_that_cannot_be_written_at_the_end_is_one_line_not_a_verdict(
    tmp_path: Path,
) -> None:
    result = pytest_pyargs(tmp_path, "--max-examples", "3", "--report", "/dev/full")
    assert result.returncode == 2, said(result)  # the contract held: never 1
    assert f"{len(CHECKS)} passed" in result.stdout
    assert "contacts-contract: error: cannot write /dev/full: No space left on device" in (
        result.stdout
    )
    assert "Traceback" not in result.stdout + result.stderr


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
    assert result.returncode == 1, said(result)
    assert f"{len(CHECKS) - 2} passed, 2 skipped, 1 warning" in result.stdout
    assert "ContractWarning: json_charset: a 400 declares Content-Type" in result.stdout
    assert "1 warning, counted as errors (--warnings-as-errors)" in result.stdout
    properties = {
        p.get("name"): p.get("value", "") for p in ET.parse(junit).getroot().iter("property")
    }
    assert properties["warning json_charset"].startswith("json_charset: a ")


# --- beside other plugins -------------------------------------------------------------------

# Environments with the plugins that bring the ecosystem's --base-url: pytest-base-url
# (under pytest 8 too, which meets a clash later than pytest 9), pytest-playwright on its
# own (it then adds its own --base-url), and both.
BESIDE = {
    "pytest-base-url": ("pytest-base-url",),
    "pytest-8-base-url": ("pytest<9", "pytest-base-url"),
    "pytest-playwright": ("pytest-playwright",),
    "pytest-playwright-with-base-url": ("pytest-playwright[base-url]",),
}
FRONTEND = "http://127.0.0.1:5173"
FRONTEND_TEST = f"""
def test_frontend(base_url):
    assert base_url == {FRONTEND!r}
"""


@pytest.fixture(scope="module", params=sorted(BESIDE))
def beside(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of an environment with the toolkit and those plugins installed."""
    directory = tmp_path_factory.mktemp(request.param)
    return layered_venv(directory / "venv", *BESIDE[request.param])


def run_beside(
    python: Path, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONTACTS_CONTRACT_", "PYTEST_")) and k != "PYTHONPATH"
    }
    return subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.slow
def test_an_unrelated_test_runs_beside_the_plugins_that_have_base_url(
    beside: Path, tmp_path: Path
) -> None:
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n")
    result = run_beside(beside, tmp_path, "test_one.py")
    assert result.returncode == 0, said(result)
    assert "1 passed" in result.stdout
    shown = run_beside(beside, tmp_path, "--help")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "--contract-base-url=URL" in shown.stdout
    assert shown.stdout.count("--base-url=") == 1  # the other plugin's, not ours too
    assert "--token=KEY" in shown.stdout  # free names stay as they are


@pytest.mark.slow
def test_the_suite_tests_the_ecosystems_base_url(beside: Path, tmp_path: Path) -> None:
    with running_mock("--log-level", "warning") as mock:
        result = run_beside(
            beside, tmp_path, "--pyargs", "contract_tests", "--base-url", mock.base_url,
            "--max-examples", "5", "--seed", "1",
            env={"CONTACTS_CONTRACT_TOKEN": "staff-token"},
        )  # fmt: skip
    assert result.returncode == 0, said(result)
    assert f"contacts-contract 0.1.0: {mock.base_url}, seed 1" in result.stdout
    assert f"{len(CHECKS) - 2} passed, 2 skipped" in result.stdout


@pytest.mark.slow
def test_contract_base_url_names_the_api_beside_a_frontends_base_url(
    beside: Path, tmp_path: Path
) -> None:
    (tmp_path / "test_frontend.py").write_text(FRONTEND_TEST)
    with running_mock("--log-level", "warning") as mock:
        typed = run_beside(
            beside, tmp_path, "test_frontend.py", "--pyargs", "contract_tests",
            "--base-url", FRONTEND, "--contract-base-url", mock.base_url,
            "--max-examples", "5", "--seed", "1",
            env={"CONTACTS_CONTRACT_TOKEN": "staff-token"},
        )  # fmt: skip
        # The frontend's URL in the ini file, the API's in the suite's variable: the
        # variable wins over another plugin's setting, as over a default.
        (tmp_path / "pytest.ini").write_text(f"[pytest]\nbase_url = {FRONTEND}\n")
        configured = run_beside(
            beside, tmp_path, "test_frontend.py", "--pyargs", "contract_tests",
            "--max-examples", "5", "--seed", "1",
            env={"CONTACTS_CONTRACT_TOKEN": "staff-token",
                 "CONTACTS_CONTRACT_BASE_URL": mock.base_url},
        )  # fmt: skip
    for result in (typed, configured):
        assert result.returncode == 0, said(result)
        assert f"contacts-contract 0.1.0: {mock.base_url}, seed 1" in result.stdout
        assert (
            f"{len(CHECKS) - 1} passed, 2 skipped" in result.stdout
        )  # the frontend's test and the checks


# --- what the plugin costs a run that does not use it ---------------------------------------

HEAVY = ("schemathesis", "hypothesis", "contacts_core.spec", "contacts_core.cases",
         "contract_tests.engine", "mock_server", "jsonschema_rs", "openapi_spec_validator",
         "requests", "yaml")  # fmt: skip
NOTHING_HEAVY = f"""
import sys

def test_nothing_heavy_was_imported():
    loaded = [name for name in {HEAVY!r} if name in sys.modules]
    assert loaded == [], loaded
"""


@pytest.mark.parametrize(
    "args",
    [
        pytest.param((), id="plain"),
        pytest.param(("--token", "k", "--max-examples", "3"), id="options", marks=pytest.mark.slow),
    ],
)
def test_an_unrelated_run_imports_nothing_heavy(tmp_path: Path, args: tuple[str, ...]) -> None:
    # The other plugins that come with the toolkit (Schemathesis', Hypothesis') import
    # their own packages: off here, so that what is left is this plugin's doing.
    (tmp_path / "test_light.py").write_text(NOTHING_HEAVY)
    (tmp_path / "data.json").write_text("{}")
    result = run_pytest(
        tmp_path, "-p", "no:schemathesis", "-p", "no:hypothesispytest", "test_light.py", *args
    )
    assert result.returncode == 0, said(result)
    assert "1 passed" in result.stdout
    # The plugin was there all the same: its options were taken.
    assert "Contacts API contract suite:" in run_pytest(tmp_path, "--help").stdout
