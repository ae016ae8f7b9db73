"""Is the mock still the backend? The same requests to both, every difference named: no
false alarm between two correct mocks, every fault of the catalogue that changes an answer
shown as a difference of the right kind, a proxy's recording replayed against the mock
(one with nothing to replay compares nothing, and does not pass), and the exit statuses
a pipeline reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contract_tests import cases, compare_cli, phases
from contract_tests.compare_cli import finish, parse_config
from contract_tests.comparison import CompareConfig, Comparison, replay_recording
from contract_tests.config import Config
from contract_tests.differences import HEADERS, KINDS, SHAPE, STATUS, VALUES
from contract_tests.http import TargetLost, TargetUnreachable
from contract_tests.model import Keys, Probe
from contract_tests.outcome import FIXED
from contract_tests.report.model import from_comparison
from mock_server import faults
from mock_server.embedded import EmbeddedMock
from mock_server.settings import Settings
from tests.support.commands import case_line, contract, said, write_lines
from tests.support.processes import free_port, running_mock, running_proxy
from tests.support.proxying import fixed_probes, send

pytestmark = pytest.mark.process

KEYS = Keys("staff-token", "admin-token", "user-token")
SEED = 20261202
# The kind a fault's difference is, by the check that catches it in a run of the suite.
KIND_BY_CHECK = {
    "positive_data_acceptance": STATUS,
    "status_code_conformance": STATUS,
    "not_a_server_error": STATUS,
    "content_type_conformance": SHAPE,
    "response_schema_conformance": SHAPE,
    "server_set_values": VALUES,
    "timestamps": VALUES,
    "echo": VALUES,
    "negative_data_rejection": STATUS,
    "authentication_required": STATUS,
    "authentication_before_validation": STATUS,
    "credential_placement": STATUS,
    "permission_enforced": STATUS,
    "admin_key_accepted": STATUS,
    "heading_path_served": STATUS,
    "www_authenticate_scheme": HEADERS,
    "field_errors_named": SHAPE,
    "json_charset": HEADERS,
    "other_methods_refused": STATUS,
}
OVERRIDES = {
    "missing-www-authenticate": HEADERS,  # the same 401, without the header
    "405-without-allow": HEADERS,  # the same 405, without the header
    # Every id given twice: ids are per instance, so no single answer differs from the
    # mock's. Only a run of the suite sees it (unique_ids).
    "repeated-ids": None,
}


@pytest.fixture(scope="module")
def correct() -> Iterator[EmbeddedMock]:
    with EmbeddedMock() as mock:
        yield mock


def compared(backend: str, mock: str, max_time: float = 2.0) -> Comparison:
    config = CompareConfig(
        Config(base_url=backend, token="staff-token", seed=SEED, max_time=max_time)
    )
    return Comparison(config, backend, mock, KEYS)


@pytest.mark.slow
def test_two_correct_mocks_differ_in_nothing(correct: EmbeddedMock) -> None:
    with EmbeddedMock() as other:
        outcome = compared(other.url, correct.url, max_time=4).run()
    assert outcome.pairs > len(fixed_probes(KEYS))
    assert outcome.differing == 0, [
        (r.name, r.failures[0].message) for r in outcome.results if r.failures
    ]
    assert outcome.ok


@pytest.mark.slow
@pytest.mark.parametrize("name", list(faults.catalogue()))
def test_every_fault_that_changes_an_answer_shows_as_its_kind(
    name: str, correct: EmbeddedMock
) -> None:
    fault = faults.get(name)
    expected = OVERRIDES.get(name, KIND_BY_CHECK.get(fault.caught_by))
    with EmbeddedMock(Settings(port=0, fault=name)) as faulty:
        comparison = compared(faulty.url, correct.url)
        comparison.run_whole(FIXED, phases.fixed_probes(comparison.backend.plan))
        outcome = comparison.outcome(0.0)
    kinds = [r.name for r in outcome.results if r.calls]
    if expected is None:
        assert kinds == [], kinds
        return
    assert kinds, f"{name}: no difference"
    assert kinds[0] == expected, f"{name}: the most serious difference is {kinds[0]}"


@pytest.mark.slow
def test_the_command_line_fails_on_the_kinds_asked_and_keeps_what_it_found(
    correct: EmbeddedMock, tmp_path: Path
) -> None:
    with EmbeddedMock(Settings(port=0, fault="email-lowercased")) as faulty:
        common = ("--base-url", faulty.url, "--token", "staff-token", "--max-time", "2")
        lenient = contract("compare", *common, "--seed", str(SEED))
        strict = contract(
            "compare", *common, "--fail-on", "status,shape,values", "--report",
            str(tmp_path / "report.md"), "--junit-xml", str(tmp_path / "junit.xml"),
            "--save-cases", str(tmp_path / "found"),
        )  # fmt: skip
    # A stored email lowercased is a values difference: reported, not failing by default.
    assert lenient.returncode == 0, said(lenient)
    assert "WARNING  values" in lenient.stdout
    assert strict.returncode == 1, said(strict)
    assert "FAILED   values" in strict.stdout
    assert '"email" is "' in strict.stdout
    assert "the backend:" in strict.stdout
    assert "the mock:" in strict.stdout
    assert "requests answered differently (differences by kind: values" in strict.stdout
    assert "values" in (tmp_path / "report.md").read_text()
    assert (tmp_path / "junit.xml").read_text().count("<testcase") == 5
    assert (tmp_path / "found" / "values.jsonl").read_text().strip()


@pytest.mark.slow
def test_a_wrong_key_is_the_set_up_not_a_difference(correct: EmbeddedMock) -> None:
    result = contract("compare", "--base-url", correct.url, "--token", "nope", "--max-time", "1")
    assert result.returncode == 3, said(result)
    assert "could not judge" in result.stderr
    assert "the staff key (--token) was refused (401) on every request" in result.stderr


def test_a_wrong_mock_url_is_named_with_its_option(correct: EmbeddedMock) -> None:
    comparison = compared(correct.url, correct.url + "/api/contacts")
    comparison.run_whole(FIXED, phases.fixed_probes(comparison.backend.plan))
    diagnosis = comparison._diagnosis()
    assert diagnosis is not None
    assert diagnosis.startswith("the mock: every request to POST ")
    assert diagnosis.endswith(
        f"--mock-url already ends in /api/contacts: give the server's root, {correct.url}"
    )
    summary = from_comparison(comparison.outcome(0.0, diagnosis)).summary
    assert summary.startswith("could not judge: the mock: ")


def test_a_side_unreachable_or_gone_mid_run_is_named(
    correct: EmbeddedMock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = f"http://127.0.0.1:{free_port()}"
    for backend, mock, side in (
        (correct.url, gone, "the mock"),
        (gone, correct.url, "the backend"),
    ):
        with pytest.raises(TargetUnreachable) as unreachable:
            compared(backend, mock).run()
        assert (
            str(unreachable.value)
            == f"{side}: cannot reach {gone}/api/contacts/: connection refused"
        )
    comparison = compared(correct.url, correct.url)

    def stops_answering(probe: Probe) -> None:
        raise TargetLost(f"{correct.url}/api/contacts/ stopped answering: connection refused")

    monkeypatch.setattr(comparison.mock, "call", stops_answering)
    with pytest.raises(TargetLost) as lost:
        comparison.attempt(phases.fixed_probes(comparison.backend.plan)[0], FIXED)
    assert str(lost.value).startswith(f"the mock: {correct.url}/api/contacts/ stopped answering")
    # The command line: one line naming the side, exit 3; never a traceback and exit 1.
    for error in (unreachable.value, lost.value):

        def run_comparison(config: CompareConfig, error: BaseException = error) -> None:
            raise error

        monkeypatch.setattr(compare_cli, "run_comparison", run_comparison)
        with pytest.raises(SystemExit) as exit_info:
            compare_cli.main(["--base-url", gone, "--token", "k"])
        assert exit_info.value.code == 3
        assert capsys.readouterr().err == f"contacts-contract compare: could not judge: {error}\n"


def test_an_empty_fail_on_is_refused_not_a_gate_turned_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        compare_cli.parse_config(
            ["--base-url", "http://127.0.0.1:9", "--token", "k", "--fail-on", ""]
        )
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "contacts-contract compare: error: --fail-on: name at least one kind of difference: "
        f"{', '.join(KINDS)}\n"
    )


def test_help_says_what_the_suites_options_do_in_a_comparison() -> None:
    text = " ".join(compare_cli.build_parser().format_help().split())
    assert "a JUnit XML report here, one test case per kind of difference" in text
    assert "every distinct difference found, of any kind, to DIR/<kind>.jsonl" in text
    for suites_own in ("per check", "the admin checks", "the 403 checks", "failure (and warning"):
        assert suites_own not in text


@pytest.mark.slow
def test_usage_errors_are_one_line() -> None:
    for args, says in (
        ((), "--base-url (or CONTACTS_CONTRACT_BASE_URL) names the backend to compare"),
        (("--base-url", "http://127.0.0.1:9"), "--token (or CONTACTS_CONTRACT_TOKEN) is required"),
        (("--fail-on", "colour"), "'colour' is not a kind of difference"),
    ):
        result = contract("compare", *args)
        assert result.returncode == 2, result.stderr
        assert says in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_one_key_for_two_roles_is_refused_before_anything_is_sent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_config(["--base-url", "http://127.0.0.1:9", "--token", "k", "--admin-token", "k"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "contacts-contract compare: error: the same key is given for --token and for "
        "--admin-token\n"
    )


@pytest.mark.parametrize(
    ("lines", "says"),
    [
        ((), "{path} holds no recorded exchange"),
        (
            (case_line("no answer kept", {"subject": "Hi"}),),
            "no recorded exchange of {path} could be sent; {path}:1: the recording holds no "
            "answer to compare with",
        ),
    ],
    ids=["an empty recording", "nothing to compare with"],
)
def test_a_recording_with_nothing_to_replay_could_not_be_judged(
    correct: EmbeddedMock, tmp_path: Path, lines: tuple[str, ...], says: str
) -> None:
    path = write_lines(tmp_path / "staging.jsonl", *lines)
    config = CompareConfig(Config(), recording=(path,))
    outcome = replay_recording(config, correct.url, KEYS, cases.load([path]))
    assert outcome.diagnosis == "nothing was sent: " + says.format(path=path)
    assert finish(outcome, config) == 3


@pytest.mark.slow
def test_a_recording_alone_is_compared_with_the_mock(tmp_path: Path) -> None:
    record = tmp_path / "staging.jsonl"
    tokens = [
        "--token",
        "staff-token=staff",
        "--token",
        "admin-token=admin",
        "--token",
        "user-token=user",
    ]
    with (
        running_mock("--fault", "email-lowercased", "--log-level", "warning") as staging,
        running_proxy("--upstream", staging.base_url, *tokens, "--record", str(record)) as proxy,
        httpx.Client(timeout=30) as client,
    ):
        probes = fixed_probes(KEYS)
        for probe in probes:
            send(client, proxy.base_url, probe)
    lenient = contract("compare", "--recording", str(record))
    strict = contract("compare", "--recording", str(record), "--fail-on", "values")
    assert lenient.returncode == 0, said(lenient)
    summary = lenient.stdout.strip().splitlines()[-1]
    assert summary.startswith("the mock answers ")
    # A key the proxy was not given is recorded as `masked`: no role to replay it with.
    lines = record.read_text().splitlines()
    masked = sum('"credential": "masked"' in line for line in lines)
    assert len(lines) == len(probes)
    assert f"of {len(lines) - masked} recorded exchanges differently" in summary
    assert lenient.stdout.count("the recorder did not know the key's role") == masked
    assert "(differences by kind: values" in summary
    assert strict.returncode == 1
