"""The wheel carries the spec, and an installed (non-editable) package finds it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from contract_tests.checks import CHECKS
from tests.support.commands import said

pytestmark = pytest.mark.process

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


@pytest.mark.slow
def test_wheel_contains_spec_and_packages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "contacts_core/openapi.yaml" in names
    assert "contacts_core/case.schema.json" in names
    assert "mock_server/app.py" in names
    assert "contract_tests/__init__.py" in names
    packaged = zipfile.ZipFile(wheel).read("contacts_core/openapi.yaml")
    assert packaged == (ROOT / "spec" / "openapi.yaml").read_bytes()


@pytest.mark.slow
def test_installed_package_loads_packaged_spec(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    probe = (
        "import contacts_core, contacts_core.spec as s, contacts_core.cases as c;"
        "print(contacts_core.__file__); print(s.spec_path()); print(s.operation().path);"
        "print(c.schema()['title'].replace(' ', '_'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    module_file, spec_file, path, case_schema = result.stdout.split()
    assert module_file.startswith(str(target))
    assert spec_file == str(target / "contacts_core" / "openapi.yaml")
    assert path == "/api/contacts/"
    assert case_schema.startswith("A_contract_case")


PIP_INSTALL = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]


@pytest.mark.slow
def test_installed_package_runs_as_a_pytest_plugin_from_any_directory(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [*PIP_INSTALL, "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    where = subprocess.run(
        [sys.executable, "-c", "import contract_tests.plugin as p; print(p.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert where.stdout.strip() == str(target / "contract_tests" / "plugin.py")
    result = subprocess.run(
        [*PYTEST, "--pyargs", "contract_tests", "--max-examples", "3", "--seed", "1"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, said(result)
    assert f"{len(CHECKS)} passed" in result.stdout
