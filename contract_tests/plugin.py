"""The pytest plugin: `pytest --pyargs contract_tests --base-url URL --token KEY`.

Registered through the `pytest11` entry point, so it is there in any directory once the
package is installed, in every pytest run of that environment: so it costs nothing until
it is used. It adds options and fixtures and imports only the option table; the suite
(Schemathesis, Hypothesis, the spec, the embedded mock) is imported when its test module
(`contract_tests/test_contract.py`, one test per check) or a case file is collected and
run. pytest's own `--junit-xml` then gives one test case per check.

It lives beside other plugins. Its options are added once every plugin is loaded (in
`pytest_load_initial_conftests`, before pytest parses the command line for good), each
under its own name when no other plugin has it, else as `--contract-NAME`. `--base-url`
is the ecosystem's when pytest-base-url is there (it comes with pytest-selenium and
pytest-playwright[base-url]), or pytest-playwright's own without it: the suite then reads
its value (its PYTEST_BASE_URL and `base_url` ini setting too), and `--contract-base-url`
names the API when that `--base-url` names another application.

From the suite's first use to the session's end, SIGTERM (what a CI job's timeout sends)
stops pytest as Ctrl-C does: the run stops, its report and cases are written, each
contract test reports what its check found until then (so pytest's JUnit holds them,
marked by the test suite property `interrupted`), and pytest ends as interrupted, with
its own exit status 2. A pytest run that never uses the suite keeps its signals as they were.

A warning the run raises is a pytest warning (`ContractWarning`, in pytest's warnings
summary) and a property of pytest's JUnit test suite; with --warnings-as-errors, the
session fails on it.

It also collects case files (see `contacts_core.cases`): one test per case, named by its
label, sent to the same target with the same options. A `*.jsonl` file is read as case
file when it is named on the command line, or when its first line names a `source` and
a `credential` (so unrelated JSON Lines files in a project are left alone).
"""

from __future__ import annotations

import argparse
import os
import re
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from contacts_core.options import argument
from contract_tests.config import ENV_PREFIX, OPTIONS

if TYPE_CHECKING:
    from contacts_core.cases import Case
    from contract_tests.config import Config
    from contract_tests.engine import Engine
    from contract_tests.model import Failure, Keys
    from contract_tests.outcome import Outcome
    from contract_tests.report import Report

OUTCOME: pytest.StashKey[Outcome] = pytest.StashKey()
REPORT: pytest.StashKey[Report] = pytest.StashKey()
CASE_TARGET: pytest.StashKey[CaseTarget] = pytest.StashKey()
SAVED = pytest.StashKey[str]()
UNWRITTEN = pytest.StashKey[list[str]]()
"""A line for each file asked for that could not be written at the end of the run."""
TERMINATE = pytest.StashKey[bool]()
PREFIX = "contract_"
ALIAS = "--contract-"
CASES_PHASE = "cases"
SUFFIX = ".jsonl"  # contacts_core.cases.SUFFIX, without importing the case format
GROUP = "contacts-contract"
# The embedded mock's web framework warns about its own dependencies: not the user's concern.
QUIET = (
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
)
_CONFLICT = re.compile(r"conflicting option strings?: (\S+)")
_OWN = [option for option in OPTIONS if option.name != "junit-xml"]  # pytest's own writes it


class _Registration:
    """Whether the options were added, and under which names."""

    def __init__(self) -> None:
        self.parser: pytest.Parser | None = None
        self.flags: dict[str, str] = {}
        """Option name -> the flag it was added as."""


_REGISTERED = _Registration()


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    _REGISTERED.flags.clear()
    _REGISTERED.parser = parser
    if any(_is_conftest(plugin) for plugin in pluginmanager.get_plugins()):
        # Loaded by a conftest's pytest_plugins: every other plugin is loaded already.
        _add_options(parser)


def _is_conftest(plugin: object) -> bool:
    return Path(str(getattr(plugin, "__file__", "") or "")).name == "conftest.py"


# The outermost wrapper: its code after `yield` runs after that of every other plugin
# (pytest-playwright adds its --base-url there when pytest-base-url is not in use).
@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, None, None]:
    # After every plugin and the initial conftests added theirs, before the final parse.
    result = yield
    if not _REGISTERED.flags:
        _add_options(parser)
    return result


def _add_options(parser: pytest.Parser) -> None:
    """Each option under its own name, or as --contract-NAME where another plugin has
    that name; --base-url also as --contract-base-url when pytest-base-url has it."""
    group = parser.getgroup(GROUP, "Contacts API contract suite")
    for option in _OWN:
        kwargs = argument(option, ENV_PREFIX) | {"dest": PREFIX + option.dest}
        flag = option.flag_name
        try:
            group.addoption(flag, **kwargs)
            # pytest 8 makes argparse's parser when it parses: a clash shows there.
            clash = _conflict(parser) == flag
            if clash:
                group.options.pop()  # ours, the one just added
        except argparse.ArgumentError:
            clash = True  # pytest 9 refuses a name another plugin has at once
        if clash:
            flag = ALIAS + option.name
            if option.name == "base-url":
                kwargs["help"] = (
                    "the API to test, when --base-url (pytest-base-url's) names another "
                    "application; without either, the embedded mock is started "
                    f"[{option.variable(ENV_PREFIX)}]"
                )
            group.addoption(flag, **kwargs)
        _REGISTERED.flags[option.name] = flag


def _conflict(parser: pytest.Parser) -> str | None:
    """The option string two plugins both add, if any (argparse refuses them)."""
    try:
        parser.parse_known_args([])
    except argparse.ArgumentError as error:
        found = _CONFLICT.search(str(error))
        return found.group(1) if found else str(error)
    return None


def _values(config: pytest.Config) -> dict[str, Any]:
    values = {option.dest: config.getoption(PREFIX + option.dest) for option in _OWN}
    if values["base_url"] is None:
        values["base_url"] = _shared_base_url(config)
    return values


def _shared_base_url(config: pytest.Config) -> str | None:
    """The ecosystem's --base-url (pytest-base-url's, or pytest-playwright's own without
    it), when another plugin has that name: typed on the command line, it beats
    CONTACTS_CONTRACT_BASE_URL; from its `base_url` ini setting or PYTEST_BASE_URL, not."""
    if _REGISTERED.flags.get("base-url") == "--base-url":
        return None
    theirs = config.getoption("base_url", None)
    if not theirs:
        try:
            theirs = config.getini("base_url")
        except ValueError:  # no plugin declares that ini setting
            return None
    if not theirs:
        return None
    typed = any(
        arg == "--base-url" or arg.startswith("--base-url=")
        for arg in config.invocation_params.args
    )
    if typed or not os.environ.get(ENV_PREFIX + "BASE_URL"):
        return str(theirs)
    return None


def _settings(config: pytest.Config) -> Config:
    from contract_tests.config import ConfigError, build

    try:
        return build(_values(config))
    except ConfigError as error:
        pytest.exit(f"contacts-contract: error: {error}", returncode=2)


@pytest.fixture(scope="session")
def contract_outcome(request: pytest.FixtureRequest) -> Outcome:
    """The suite, run once per session against --base-url (or the embedded mock)."""
    from contacts_core.cases import CaseError
    from contract_tests import exits
    from contract_tests.cases import saved_text
    from contract_tests.client_warnings import ContractWarning
    from contract_tests.engine import run
    from contract_tests.http import TargetUnreachable
    from contract_tests.report import from_outcome, write_files
    from contract_tests.signals import ignoring_interrupts

    config = request.config
    settings = _settings(config)
    _terminate_as_interrupt(config)
    try:
        outcome = run(settings)
    except (CaseError, TargetUnreachable) as error:
        status, line = exits.for_error(error) or (exits.INTERNAL_ERROR, str(error))
        pytest.exit(f"contacts-contract: {line}", returncode=status)
    report = from_outcome(outcome)
    config.stash[OUTCOME] = outcome
    config.stash[REPORT] = report
    with ignoring_interrupts():  # what was found is written whole
        unwritten = write_files(report, None, settings.report)
        if settings.save_cases is not None:
            found = [*outcome.results, *outcome.warnings]
            try:
                config.stash[SAVED] = saved_text(
                    found, outcome.target, outcome.keys, settings.save_cases
                )
            except CaseError as error:
                unwritten.append(f"cannot save the cases: {error}")
    config.stash[UNWRITTEN] = unwritten
    record = _suite_property(request)
    if outcome.interrupted is not None:
        # Each contract test still reports what its check found until then, for pytest's
        # JUnit; the session stops after the last of them (pytest_runtest_protocol).
        record("interrupted", report.ended_early)
    elif outcome.diagnosis is not None:
        pytest.exit(
            f"contacts-contract: could not judge the backend: {outcome.diagnosis}",
            returncode=exits.NOT_JUDGED,
        )
    elif outcome.lost is not None:
        pytest.exit(f"contacts-contract: {report.summary}", returncode=exits.status(outcome))
    for group in report.raised:
        message = f"{group.name}: {group.examples[0].message} ({group.counted('warning')})"
        record(f"warning {group.name}", message)
        warnings.warn(ContractWarning(message), stacklevel=1)
    return outcome


def _terminate_as_interrupt(config: pytest.Config) -> None:
    """From the suite's first request to the session's end, SIGTERM (what a CI job's
    timeout sends) stops pytest as Ctrl-C does, so that what ran is still reported. A
    pytest run that never uses the suite keeps its signals as they were."""
    if TERMINATE in config.stash or threading.current_thread() is not threading.main_thread():
        return
    from contract_tests.signals import terminate_as_interrupt

    stack = ExitStack()
    stack.enter_context(terminate_as_interrupt())
    config.add_cleanup(stack.close)
    config.stash[TERMINATE] = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    result = yield
    outcome = item.config.stash.get(OUTCOME, None)
    if outcome is not None and outcome.interrupted is not None and not _uses_suite(nextitem):
        # pytest's own way to stop a session, as on Ctrl-C: its exit status 2.
        item.session.shouldstop = (
            f"contacts-contract interrupted ({outcome.interrupted}) after "
            f"{outcome.duration:.0f} s; what ran until then is reported"
        )
    return result


def _uses_suite(item: pytest.Item | None) -> bool:
    return item is not None and "contract_outcome" in getattr(item, "fixturenames", ())


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
    sender = session.config.stash.get(CASE_TARGET, None)
    if sender is not None and session.exitstatus == pytest.ExitCode.OK:
        sender.judged_nothing(session)
    if session.config.stash.get(UNWRITTEN, None):
        from contract_tests import exits

        session.exitstatus = exits.unwritten(session.exitstatus)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    sender = config.stash.get(CASE_TARGET, None)
    if sender is not None and sender.nothing_sent:
        terminalreporter.write_line(
            f"contacts-contract: could not judge the backend: {sender.nothing_sent}", red=True
        )
    report = config.stash.get(REPORT, None)
    if report is not None:
        from contract_tests.report import console

        terminalreporter.section("contacts-contract")
        terminalreporter.write_line(console(report, config.getoption(PREFIX + "report")))
        saved = config.stash.get(SAVED, None)
        if saved is not None:
            terminalreporter.write_line(saved)
        for line in config.stash.get(UNWRITTEN, []):
            terminalreporter.write_line(f"contacts-contract: error: {line}", red=True)


# --- case files ---------------------------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    if file_path.suffix != SUFFIX:
        return None
    # The case format is imported for a JSON Lines file only.
    from contacts_core.cases import is_case_file

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
        from contacts_core.cases import CaseError
        from contract_tests import cases

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
        from contract_tests import cases
        from contract_tests.http import TargetLost

        sender = case_target(self.config)
        try:
            probe = cases.probe(self.case, sender.keys)
        except cases.MissingKey as reason:
            sender.unsent.append(f"{self.case.where}: {reason}")
            # Reported at the case's file and line, as pytest does for skip marks.
            raise pytest.skip.Exception(str(reason), _use_item_location=True) from None
        sender.sent += 1
        try:
            failures = sender.engine.check(probe, CASES_PHASE)
        except TargetLost as error:
            pytest.exit(f"contacts-contract: {error}", returncode=3)
        if failures:
            raise CaseFailed(failures)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CaseFailed):
            from contract_tests.report import case_text, key_secrets

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

    keys: Keys
    engine: Engine

    def __init__(self, config: pytest.Config) -> None:
        from contract_tests.engine import Engine, target
        from contract_tests.http import TargetUnreachable

        self.sent = 0
        self.unsent: list[str] = []
        """The cases skipped, each with its file and line, and why."""
        self.nothing_sent = ""
        """Why a session of case items alone sent none of them, if it did not."""
        settings = _settings(config)
        _terminate_as_interrupt(config)
        self._stack = ExitStack()
        config.add_cleanup(self._stack.close)
        base_url, self.keys = self._stack.enter_context(target(settings))
        self.engine = Engine(settings, base_url, self.keys)
        self._stack.callback(self.engine.client.close)
        try:
            self.engine.client.probe(base_url + self.engine.contract.path)
        except TargetUnreachable as error:
            pytest.exit(f"contacts-contract: {error}", returncode=3)

    def judged_nothing(self, session: pytest.Session) -> None:
        """A session of case items alone that sent none (each needs a key not given)
        judged nothing: it does not pass, as a run of the command line does not."""
        cases = [item for item in session.items if isinstance(item, CaseItem)]
        if self.sent or len(cases) != len(session.items):
            return
        from contract_tests import exits
        from contract_tests.cases import nothing_sent

        files = sorted({item.case.where.rsplit(":", 1)[0] for item in cases})
        self.nothing_sent = nothing_sent([Path(file) for file in files], self.unsent)
        session.exitstatus = exits.NOT_JUDGED


def case_target(config: pytest.Config) -> CaseTarget:
    sender = config.stash.get(CASE_TARGET, None)
    if sender is None:
        sender = config.stash[CASE_TARGET] = CaseTarget(config)
    return sender
