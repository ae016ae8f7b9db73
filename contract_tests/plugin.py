"""The pytest plugin: `pytest --pyargs contract_tests --base-url URL --token KEY`.

Registered through the `pytest11` entry point, so it is there in any directory once the
package is installed. It only adds options and fixtures; the suite runs when its test
module (`contract_tests/test_contract.py`, one test per check) is collected. pytest's
own `--junit-xml` then gives one test case per check.

A warning the run raises is a pytest warning (`ContractWarning`, in pytest's warnings
summary) and a property of pytest's JUnit test suite; with --warnings-as-errors, the
session fails on it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

from contract_tests.client_warnings import ContractWarning
from contract_tests.config import OPTIONS, ConfigError, build
from contract_tests.http import TargetLost, TargetUnreachable
from contract_tests.report import Report, console, from_outcome, write
from contract_tests.runner import Outcome, run

OUTCOME = pytest.StashKey[Outcome]()
REPORT = pytest.StashKey[Report]()
PREFIX = "contract_"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contacts-contract", "Contacts API contract suite")
    for option in OPTIONS:
        if option.name == "junit-xml":
            continue  # pytest's own --junit-xml writes one test case per check
        kwargs: dict[str, Any] = {"dest": PREFIX + option.dest, "default": None}
        kwargs["help"] = f"{option.help} [{option.env}]"
        if option.flag:
            kwargs["action"] = "store_true"
        else:
            kwargs["metavar"] = option.metavar
        try:
            group.addoption(option.flag_name, **kwargs)
        except ValueError:
            # Another plugin owns the name (pytest-base-url has --base-url).
            group.addoption(f"--contract-{option.name}", **kwargs)


def _values(config: pytest.Config) -> dict[str, Any]:
    return {
        option.dest: config.getoption(PREFIX + option.dest)
        for option in OPTIONS
        if option.name != "junit-xml"
    }


@pytest.fixture(scope="session")
def contract_outcome(request: pytest.FixtureRequest) -> Outcome:
    """The suite, run once per session against --base-url (or the embedded mock)."""
    config = request.config
    try:
        settings = build(_values(config))
    except ConfigError as error:
        pytest.exit(f"contacts-contract: error: {error}", returncode=2)
    try:
        outcome = run(settings)
    except (TargetUnreachable, TargetLost) as error:
        pytest.exit(f"contacts-contract: {error}", returncode=3)
    report = from_outcome(outcome)
    config.stash[OUTCOME] = outcome
    config.stash[REPORT] = report
    write(report, None, settings.report)
    record = _suite_property(request)
    for group in report.raised:
        message = f"{group.name}: {group.examples[0].message} ({group.counted('warning')})"
        record(f"warning {group.name}", message)
        warnings.warn(ContractWarning(message), stacklevel=1)
    return outcome


def _suite_property(request: pytest.FixtureRequest) -> Callable[[str, object], None]:
    """pytest's record_testsuite_property; a no-op when its junitxml plugin is disabled."""
    try:
        record: Callable[[str, object], None] = request.getfixturevalue("record_testsuite_property")
    except pytest.FixtureLookupError:
        return lambda name, value: None
    return record


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    report = session.config.stash.get(REPORT, None)
    if report is not None and report.raised and report.warnings_fail:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    report = config.stash.get(REPORT, None)
    if report is not None:
        terminalreporter.section("contacts-contract")
        terminalreporter.write_line(console(report, config.getoption(PREFIX + "report")))
