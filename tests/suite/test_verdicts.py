"""A verdict a release can hang on: a wrong key or URL is reported as the run's own
set-up (exit 3), never as a broken backend; a backend that breaks the contract for a key
it knows is still judged (exit 1); a run cut short judges no check that needs the whole
run, and a run that sent nothing does not pass (exit 3); counts are of every failing call; and the help says what the exit statuses mean and
where the proxy is."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount

from contract_tests import cases, exits
from contract_tests.config import Config
from contract_tests.engine import Engine
from contract_tests.events import Event, RequestJudged
from contract_tests.model import FAILED, NOT_RUN, Keys
from contract_tests.report import console, from_outcome, junit
from mock_server.embedded import EmbeddedMock
from mock_server.settings import Settings
from tests.support.commands import case_line, contract, said, write_lines
from tests.support.proxying import serving

pytestmark = pytest.mark.process

SEED = 20261202
FEW = ("--max-examples", "3", "--seed", str(SEED))
NOT_JUDGED = 3


@pytest.fixture(scope="module")
def mock() -> Iterator[EmbeddedMock]:
    with EmbeddedMock() as served:
        yield served


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_a_wrong_key_is_the_set_up_not_the_backend(mock: EmbeddedMock) -> None:
    result = contract("--base-url", mock.url, "--token", "not-a-key-of-this-mock", *FEW)
    assert result.returncode == NOT_JUDGED, said(result)
    assert last_line(result.stderr) == (
        "contacts-contract: could not judge the backend: the staff key (--token) was refused "
        "(401) on every request: the key may be wrong, or the backend refuses staff keys"
    )
    assert "not-a-key-of-this-mock" not in result.stdout + result.stderr
    # No check is judged on such answers, so none is reported as failed.
    assert "FAILED" not in result.stdout
    assert "could not judge the backend" in result.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_a_key_without_the_role_given_as_token_is_the_set_up(mock: EmbeddedMock) -> None:
    result = contract("--base-url", mock.url, "--token", "user-token", *FEW)
    assert result.returncode == NOT_JUDGED
    assert "the staff key (--token) was refused (403) on every request" in result.stderr
    assert "without the Staff or Admin role" in result.stderr


@pytest.mark.slow
def test_a_wrong_admin_or_non_staff_key_is_the_set_up(mock: EmbeddedMock) -> None:
    admin = contract(
        "--base-url", mock.url, "--token", "staff-token", "--admin-token", "nope", *FEW
    )
    assert admin.returncode == NOT_JUDGED
    assert "the admin key (--admin-token) was refused (401) on every request" in admin.stderr
    other = contract(
        "--base-url", mock.url, "--token", "staff-token", "--non-staff-token", "nope", *FEW
    )
    assert other.returncode == NOT_JUDGED
    assert "the non-staff key (--non-staff-token) was refused (401)" in other.stderr


@pytest.mark.slow
def test_a_base_url_that_already_ends_in_the_path_is_the_set_up(mock: EmbeddedMock) -> None:
    result = contract("--base-url", mock.url + "/api/contacts/", "--token", "staff-token", *FEW)
    assert result.returncode == NOT_JUDGED
    assert last_line(result.stderr) == (
        f"contacts-contract: could not judge the backend: every request to POST "
        f"{mock.url}/api/contacts/api/contacts/ got 404 or 405: nothing serves the operation "
        f"there; --base-url already ends in /api/contacts: give the server's root, {mock.url}"
    )


@pytest.mark.slow
def test_a_base_url_that_serves_nothing_there_is_the_set_up(mock: EmbeddedMock) -> None:
    result = contract("--base-url", mock.url + "/v2", "--token", "staff-token", *FEW)
    assert result.returncode == NOT_JUDGED
    assert "nothing serves the operation there; check --base-url" in result.stderr


def answering_everything(status: int, body: str, content_type: str) -> Starlette:
    """A server that gives every request, whatever its path and method, the same answer."""
    answer = Response(body, status, media_type=content_type)
    return Starlette(routes=[Mount("/", app=answer)])


@pytest.mark.parametrize(
    ("status", "body", "content_type", "got"),
    [
        (501, "<p>Unsupported method ('POST')</p>", "text/html", "501 text/html"),
        (200, "<html>Welcome</html>", "text/html; charset=utf-8", "200 text/html"),
    ],
    ids=["a static file server", "a catch-all page"],
)
def test_a_base_url_that_serves_something_else_is_the_set_up(
    status: int, body: str, content_type: str, got: str
) -> None:
    with serving(answering_everything(status, body, content_type)) as url:
        config = Config(base_url=url, token="staff-token", seed=SEED, workers=1)
        outcome = Engine(config, url, Keys("staff-token")).run()
    assert outcome.diagnosis == (
        f"every request to POST {url}/api/contacts/ got {got} (no documented status, no JSON): "
        "nothing serving the operation answers there; check --base-url (the server's root, "
        "without /api/contacts/)"
    )
    assert exits.status(outcome) == NOT_JUDGED


def test_a_backend_that_answers_everything_with_json_is_judged_not_the_set_up() -> None:
    # JSON, if never the right answer, is taken for the operation's: the backend is broken.
    with serving(answering_everything(200, "{}", "application/json")) as url:
        config = Config(base_url=url, token="staff-token", seed=SEED, max_examples=3, workers=1)
        outcome = Engine(config, url, Keys("staff-token")).run()
    assert outcome.diagnosis is None
    assert "positive_data_acceptance" in {r.name for r in outcome.failed}
    assert exits.status(outcome) == 1


@pytest.mark.slow
def test_a_backend_that_refuses_a_valid_admin_key_is_broken() -> None:
    # It knows the key (403, not 401) and refuses the role the contract allows.
    with EmbeddedMock(Settings(port=0, fault="admin-rejected")) as faulty:
        result = contract(
            "--base-url", faulty.url, "--token", "staff-token", "--admin-token", "admin-token",
            "--non-staff-token", "user-token", *FEW,
        )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert re.search(r"FAILED\s+admin_key_accepted", result.stdout)
    assert "could not judge" not in result.stdout + result.stderr


@pytest.mark.slow
def test_every_failing_call_is_counted_as_the_status_table_counts_them() -> None:
    with EmbeddedMock(Settings(port=0, fault="500-on-non-ascii")) as faulty:
        config = Config(base_url=faulty.url, token="staff-token", max_examples=30, seed=SEED)
        outcome = Engine(config, faulty.url, Keys("staff-token", "admin-token")).run()
    crashed = outcome.result("not_a_server_error")
    assert crashed.state == FAILED
    assert crashed.calls == outcome.statuses[500] > len(crashed.failures)
    text = console(from_outcome(outcome))
    assert f"{crashed.runs} calls, {crashed.calls} failed" in text


# Fixed examples judged before the run is cut short: none of them yet got a 401.
CUT_AFTER = 20


def cut_short_by(stop: Callable[[], None]) -> Callable[[Event], None]:
    """A progress display that calls `stop` once CUT_AFTER fixed examples were judged."""

    def progress(event: Event) -> None:
        if isinstance(event, RequestJudged) and event.count == CUT_AFTER:
            stop()

    return progress


def test_an_interrupted_run_leaves_status_code_coverage_not_run(mock: EmbeddedMock) -> None:
    config = Config(base_url=mock.url, token="staff-token", seed=SEED, workers=1)
    engine = Engine(config, mock.url, Keys("staff-token"))
    engine.progress = cut_short_by(lambda: engine.stop("SIGTERM"))
    outcome = engine.run()
    assert outcome.interrupted == "SIGTERM"
    coverage = outcome.result("status_code_coverage")
    assert (coverage.state, coverage.note) == (
        NOT_RUN,
        "needs the whole run; the run was interrupted (SIGTERM)",
    )
    assert outcome.failed == []
    assert exits.status(outcome) == 143


def test_a_target_lost_early_with_no_failure_could_not_be_judged() -> None:
    config = Config(token="staff-token", seed=SEED, workers=1)
    with EmbeddedMock() as lost:
        # Stopped from another thread: the mock's server waits for the request in flight.
        crash = cut_short_by(lambda: threading.Thread(target=lost.stop).start())
        outcome = Engine(config, lost.url, Keys("staff-token"), crash).run()
    assert outcome.lost is not None
    coverage = outcome.result("status_code_coverage")
    assert (coverage.state, coverage.note) == (
        NOT_RUN,
        "needs the whole run; the target stopped answering",
    )
    assert outcome.failed == []
    assert exits.status(outcome) == NOT_JUDGED
    report = from_outcome(outcome)
    assert "so far the contract holds" in console(report)
    assert 'message="not run: needs the whole run; the target stopped answering"' in junit(report)


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        (None, "{path} holds no case"),
        ((), "{path} holds no case"),
        (
            (case_line("as an admin", {"subject": "Hi"}, credential="admin"),),
            "no case of {path} could be sent; {path}:1: needs --admin-token (the case's "
            "credential is the admin role)",
        ),
    ],
    ids=["an empty folder", "an empty file", "a case needing a key not given"],
)
def test_a_run_that_sent_nothing_could_not_judge_the_backend(
    mock: EmbeddedMock, tmp_path: Path, lines: tuple[str, ...] | None, says: str
) -> None:
    path = write_lines(tmp_path / "cases.jsonl", *lines) if lines is not None else tmp_path
    config = Config(base_url=mock.url, token="staff-token", cases=(path,), cases_only=True)
    loaded = tuple(cases.load(config.cases))
    outcome = Engine(config, mock.url, Keys("staff-token"), cases=loaded).run()
    assert outcome.diagnosis == "nothing was sent: " + says.format(path=path)
    assert exits.status(outcome) == NOT_JUDGED


def test_help_names_the_exit_statuses_and_the_proxy() -> None:
    result = contract("--help")
    assert result.returncode == 0
    for line in (
        "3  could not judge the backend: check the configuration",
        "1  the contract is broken",
        "contacts-contract proxy --upstream URL",
    ):
        assert line in result.stdout, line


def test_the_proxys_option_on_the_suite_says_where_it_belongs() -> None:
    result = contract("--upstream", "http://127.0.0.1:9")
    assert result.returncode == 2
    assert result.stderr == (
        "contacts-contract: error: --upstream is an option of the proxy: "
        "contacts-contract proxy --upstream URL\n"
    )
