"""Each package says what a program may rely on (`__all__`), and those names are enough
to use the toolkit as a library: serve a mock, run the suite against it, report."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ("contacts_core", "mock_server", "contract_tests")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_name_imports(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"


def test_the_suite_package_imports_nothing_heavy_until_a_name_is_used() -> None:
    probe = (
        "import sys, contract_tests; "
        "heavy = [m for m in ('hypothesis', 'schemathesis', 'aiohttp', 'mock_server') "
        "if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.slow
def test_the_public_names_run_the_suite_against_a_mock() -> None:
    from contract_tests import Config, Verdict, console, from_outcome, run
    from mock_server import EmbeddedMock

    with EmbeddedMock() as mock:
        config = Config(base_url=mock.url, token="staff-token", max_examples=3, seed=1)
        outcome = run(config)
    assert outcome.verdict is Verdict.HOLDS
    assert console(from_outcome(outcome)).splitlines()[-1].startswith("the contract holds")
