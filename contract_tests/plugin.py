"""The pytest plugin: `pytest --pyargs contract_tests --base-url URL --token KEY`.

Registered through the `pytest11` entry point, so it is there in any directory once the
package is installed. It only adds options and fixtures; the suite runs when its test
module (`contract_tests/test_contract.py`, one test per check) is collected. pytest's
own `--junit-xml` then gives one test case per check.

A warning the run raises is a pytest warning (`ContractWarning`, in pytest's warnings
summary) and a property of pytest's JUnit test suite; with --warnings-as-errors, the
session fails on it.

It also collects case files (see `contacts_core.cases`): one test per case, named by its
label, sent to the same target with the same options. A `*.jsonl` file is read as case
file when it is named on the command line, or when its first line names a `source` and
a `credential` (so unrelated JSON Lines files in a project are left alone).
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from contacts_core.cases import SUFFIX, Case, CaseError, is_case_file
from contacts_core.options import argument
from contract_tests import cases, exits
from contract_tests.cases import saved_text
from contract_tests.client_warnings import ContractWarning
from contract_tests.config import ENV_PREFIX, OPTIONS, Config, ConfigError, build
from contract_tests.engine import Engine, run, target
from contract_tests.http import TargetLost, TargetUnreachable
from contract_tests.model import Failure
from contract_tests.outcome import Outcome
from contract_tests.report import Report, case_text, console, from_outcome, key_secrets, write

OUTCOME = pytest.StashKey[Outcome]()
REPORT = pytest.StashKey[Report]()
CASE_TARGET = pytest.StashKey["CaseTarget"]()
SAVED = pytest.StashKey[str]()
PREFIX = "contract_"
CASES_PHASE = "cases"
# The embedded mock's web framework warns about its own dependencies: not the user's concern.
QUIET = (
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contacts-contract", "Contacts API contract suite")
    for option in OPTIONS:
        if option.name == "junit-xml":
            continue  # pytest's own --junit-xml writes one test case per check
        kwargs = argument(option, ENV_PREFIX) | {"dest": PREFIX + option.dest}
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


def _settings(config: pytest.Config) -> Config:
    try:
        return build(_values(config))
    except ConfigError as error:
        pytest.exit(f"contacts-contract: error: {error}", returncode=2)


@pytest.fixture(scope="session")
def contract_outcome(request: pytest.FixtureRequest) -> Outcome:
    """The suite, run once per session against --base-url (or the embedded mock)."""
    config = request.config
    settings = _settings(config)
    try:
        outcome = run(settings)
    except (CaseError, TargetUnreachable, TargetLost) as error:
        status, line = exits.for_error(error) or (exits.INTERNAL_ERROR, str(error))
        pytest.exit(f"contacts-contract: {line}", returncode=status)
    if settings.save_cases is not None:
        found = [*outcome.results, *outcome.warnings]
        try:
            config.stash[SAVED] = saved_text(
                found, outcome.target, outcome.keys, settings.save_cases
            )
        except (CaseError, OSError) as error:
            pytest.exit(f"contacts-contract: error: cannot save cases: {error}", returncode=2)
    report = from_outcome(outcome)
    config.stash[OUTCOME] = outcome
    config.stash[REPORT] = report
    write(report, None, settings.report)
    if outcome.interrupted is not None:
        raise KeyboardInterrupt  # what was found is written; pytest now stops as asked
    if outcome.diagnosis is not None:
        pytest.exit(
            f"contacts-contract: could not judge the backend: {outcome.diagnosis}",
            returncode=exits.NOT_JUDGED,
        )
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
        saved = config.stash.get(SAVED, None)
        if saved is not None:
            terminalreporter.write_line(saved)


# --- case files ---------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    if file_path.suffix != SUFFIX:
        return None
    if _named(parent.config, file_path) or is_case_file(file_path):
        return CaseFile.from_parent(parent, path=file_path)
    return None


def _named(config: pytest.Config, path: Path) -> bool:
    here = config.invocation_params.dir
    return any((here / arg.split("::")[0]).resolve() == path.resolve() for arg in config.args)


class CaseFile(pytest.File):
    """A case file: one item per case. A file that is not valid is a collection error,
    so nothing is sent."""

    def collect(self) -> Iterator[CaseItem]:
        # Read by its path from here, so errors and names show the path as typed.
        here = Path.cwd()
        path = self.path.relative_to(here) if self.path.is_relative_to(here) else self.path
        try:
            loaded = cases.load([path])
        except CaseError as error:
            raise self.CollectError(str(error)) from None
        seen: Counter[str] = Counter()
        for case in loaded:
            seen[case.label] += 1
            name = case.label if seen[case.label] == 1 else f"{case.label} ({case.where})"
            yield CaseItem.from_parent(self, name=name, case=case)


class CaseFailed(Exception):
    def __init__(self, failures: list[Failure]) -> None:
        super().__init__(failures[0].message)
        self.failures = failures


class CaseItem(pytest.Item):
    """One case: sent to the target, judged by the oracle and every per-request check."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        for mark in QUIET:
            self.add_marker(mark)

    def runtest(self) -> None:
        sender = case_target(self.config)
        try:
            probe = cases.probe(self.case, sender.keys)
        except cases.MissingKey as reason:
            # Reported at the case's file and line, as pytest does for skip marks.
            raise pytest.skip.Exception(str(reason), _use_item_location=True) from None
        try:
            failures = sender.engine.check(probe, CASES_PHASE)
        except TargetLost as error:
            pytest.exit(f"contacts-contract: {error}", returncode=3)
        if failures:
            raise CaseFailed(failures)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            sender = case_target(self.config)
            secrets = key_secrets(sender.keys, sender.engine.config.show_token)
            insecure = sender.engine.config.insecure
            path, line, _ = self.location
            where = f"{path}:{(line or 0) + 1}"
            return case_text(where, excinfo.value.failures, secrets, insecure)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        line = int(self.case.where.rsplit(":", 1)[1])
        return self.path, line - 1, f"case {self.case.label!r}"


class CaseTarget:
    """Where case items are sent, set up by the first of them for the whole session:
    --base-url (or a fresh embedded mock), its keys and one client."""

    def __init__(self, config: pytest.Config) -> None:
        settings = _settings(config)
        self._stack = ExitStack()
        config.add_cleanup(self._stack.close)
        base_url, self.keys = self._stack.enter_context(target(settings))
        self.engine = Engine(settings, base_url, self.keys)
        self._stack.callback(self.engine.client.close)
        try:
            self.engine.client.probe(base_url + self.engine.contract.path)
        except TargetUnreachable as error:
            pytest.exit(f"contacts-contract: {error}", returncode=3)


def case_target(config: pytest.Config) -> CaseTarget:
    sender = config.stash.get(CASE_TARGET, None)
    if sender is None:
        sender = config.stash[CASE_TARGET] = CaseTarget(config)
    return sender
