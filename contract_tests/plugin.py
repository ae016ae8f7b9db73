"""The pytest plugin: `pytest --pyargs contract_tests --base-url URL --token KEY`.

Registered through the `pytest11` entry point, so it is there in any directory once the
package is installed. It only adds options and fixtures; the suite runs when its test
module (`contract_tests/test_contract.py`, one test per check) is collected. pytest's
own `--junit-xml` then gives one test case per check.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.config import OPTIONS, ConfigError, build
from contract_tests.http import TargetLost, TargetUnreachable
from contract_tests.report import terminal, write
from contract_tests.runner import Outcome, run

OUTCOME = pytest.StashKey[Outcome]()
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
    config.stash[OUTCOME] = outcome
    write(outcome, None, settings.report)
    return outcome


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    outcome = config.stash.get(OUTCOME, None)
    if outcome is not None:
        terminalreporter.section("contacts-contract")
        terminalreporter.write_line(terminal(outcome))
