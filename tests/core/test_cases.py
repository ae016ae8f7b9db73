"""The case format: written and read back unchanged, checked against its packaged JSON
Schema, and every hostile file refused with one clear error naming the file and line."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from contacts_core import cases, tokens
from contacts_core.cases import Case, CaseError
from contacts_core.tokens import KNOWN_ROLES, TokenTable
from contract_tests import cases as suite_cases
from contract_tests import fixed, model
from contract_tests.contract import contract

PATH = contract().path
METHOD = contract().method


def case(body: bytes = b'{"subject": "Hi"}', **changes: object) -> Case:
    fields: dict[str, object] = {
        "label": "a case",
        "source": "hand-written",
        "method": METHOD,
        "path": PATH,
        "content_type": "application/json",
        "body": body,
        "credential": "staff",
        **changes,
    }
    return Case(**fields)  # type: ignore[arg-type]


def line(**fields: object) -> str:
    """A case file line with every field valid unless changed."""
    value: dict[str, object] = {
        "label": "a case",
        "source": "hand-written",
        "method": METHOD,
        "path": PATH,
        "content_type": "application/json",
        "credential": "staff",
        "body": '{"subject": "Hi"}',
    }
    value.update(fields)
    return json.dumps({k: v for k, v in value.items() if v is not ...})


def write(path: Path, written: list[Case]) -> None:
    path.write_text("".join(cases.dumps(c) + "\n" for c in written), encoding="utf-8")


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"subject": "Hi"}',
        b"",
        "Grüße, Zoë — 東京 🎉 \u2028".encode(),
        b'{"subject": "a\\u0000b"}',
        b"\xff\xfe not UTF-8",
        b"\x00\x01\x02\x1b control characters only",
        bytes(range(256)),
    ],
)
def test_every_body_comes_back_byte_for_byte(tmp_path: Path, body: bytes) -> None:
    file = tmp_path / "cases.jsonl"
    write(file, [case(body)])
    (back,) = cases.load_all([file])
    assert back == case(body)
    assert back.where == f"{file}:1"


def test_a_line_stays_one_line_for_every_reader() -> None:
    text = cases.dumps(case("line\u2028separators\u2029and\x85NEL".encode()))
    assert len(text.splitlines()) == 1
    assert cases.loads(text).body == "line\u2028separators\u2029and\x85NEL".encode()


def test_text_bodies_are_kept_as_text_and_others_in_base64() -> None:
    assert cases.as_json(case(b'{"subject": "Hi"}'))["body"] == '{"subject": "Hi"}'
    assert "body_base64" in cases.as_json(case(b"\xff"))
    # Control characters, which JSON escapes six times longer, make it base64 too; tabs
    # and line breaks do not.
    assert "body_base64" in cases.as_json(case(b"\x01" * 30))
    assert cases.as_json(case(b'{"message": "a\tb\r\nc"}'))["body"] == '{"message": "a\tb\r\nc"}'


@pytest.mark.parametrize("credential", tokens.CREDENTIALS)
@pytest.mark.parametrize("source", cases.SOURCES)
def test_every_source_and_credential_round_trips(credential: str, source: str) -> None:
    written = case(source=source, credential=credential, content_type=None)
    assert cases.loads(cases.dumps(written)) == written


def test_the_fixed_examples_fit_the_format() -> None:
    # The oversized-body example (one byte over the spec's limit) fits, as text and as
    # base64, with room to spare: a case holds twice the spec's limit.
    for payload in fixed.boundary_payloads(contract()):
        written = case(payload.body, content_type=payload.content_type, label=payload.label)
        assert cases.loads(cases.dumps(written)) == written
    largest = case(b"\xff" * cases.max_body_bytes())
    assert len(cases.dumps(largest).encode()) <= cases.max_line_bytes()
    assert cases.max_body_bytes() == 2 * contract().max_body_bytes


def test_lines_are_one_json_object_each_in_the_schemas_order(tmp_path: Path) -> None:
    file = tmp_path / "c.jsonl"
    write(file, [case(label="one"), case(b"\xff", label="two")])
    lines = file.read_text().splitlines()
    assert len(lines) == 2
    assert list(json.loads(lines[0])) == [
        "label", "source", "method", "path", "content_type", "credential", "body"
    ]  # fmt: skip
    assert json.loads(lines[1])["body_base64"] == base64.b64encode(b"\xff").decode()


def test_a_case_that_breaks_the_format_is_not_written(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="credential"):
        cases.dumps(case(credential="root"))
    with pytest.raises(CaseError, match="at most"):
        cases.dumps(case(b"x" * (cases.max_body_bytes() + 1)))
    assert len(cases.label_from("x" * 1000)) == cases.MAX_LABEL
    assert cases.label_from("two\nlines") == "two lines"


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    file = tmp_path / "c.jsonl"
    file.write_text("\n" + line(label="one") + "\n\n" + line(label="two") + "\r\n")
    assert [(c.label, c.where) for c in cases.load_all([file])] == [
        ("one", f"{file}:2"),
        ("two", f"{file}:4"),
    ]


# --- the schema and the credential kinds ---------------------------------------------------


def test_the_schema_lists_the_modules_sources_and_credentials() -> None:
    properties = cases.schema()["properties"]
    assert tuple(properties["source"]["enum"]) == cases.SOURCES
    assert tuple(properties["credential"]["anyOf"][0]["enum"]) == tokens.CREDENTIALS
    assert set(KNOWN_ROLES) <= set(tokens.CREDENTIALS)
    for name in tokens.CREDENTIALS:
        assert f"{name}:" in properties["credential"]["description"], name


def test_every_credential_kind_of_the_suite_is_a_case_credential_and_back() -> None:
    keys = model.Keys("k-staff", "k-admin", "k-user")
    for name in tokens.CREDENTIALS:
        if name == tokens.MASKED:
            with pytest.raises(suite_cases.MissingKey, match="put staff, admin, user for masked"):
                suite_cases.probe(case(credential=name), keys)
            continue
        probe = suite_cases.probe(case(credential=name), keys)
        assert suite_cases.credential_name(probe.credential) == name
    made = [
        model.credential_for(kind, keys)
        for kind in model.UNAUTHENTICATED
        if kind != model.LOOK_ALIKE
    ]
    made += [
        model.credential_for(kind, keys) for kind in (model.TOKEN, model.ADMIN, model.NON_STAFF)
    ]
    made += model.look_alike_credentials(keys.by_kind(), frozenset(keys.by_kind().values()))
    for credential in made:
        assert credential is not None
        name = suite_cases.credential_name(credential)
        # Written to a case and read back, it is sent as the same credential.
        back = suite_cases.probe(cases.loads(cases.dumps(case(credential=name))), keys)
        assert back.credential == credential, name


def test_look_alikes_are_named_by_role_and_change_and_refused_when_unknown(tmp_path: Path) -> None:
    keys = model.Keys("Sekrit-staff-42", None, "Sekrit-user-42")
    sent = suite_cases.probe(case(credential="look-alike/user/last-dropped"), keys)
    assert sent.credential.header == "Token Sekrit-user-4"
    assert sent.credential.label == "the non-staff key with its last character dropped"
    with pytest.raises(suite_cases.MissingKey, match="needs --admin-token"):
        suite_cases.probe(case(credential="look-alike/admin/last-dropped"), keys)
    file = tmp_path / "alike.jsonl"
    file.write_text(line(credential="look-alike/staff/reversed") + "\n")
    with pytest.raises(CaseError, match=r"alike\.jsonl:1: no look-alike 'reversed'; the suite"):
        suite_cases.load([file])
    with pytest.raises(CaseError, match=r"credential: \"look-alike/root/prefix\" is not one of"):
        cases.loads(line(credential="look-alike/root/prefix"))


def test_roles_are_sent_with_the_keys_given_and_skipped_without() -> None:
    keys = model.Keys("k-staff", None, "k-user")
    sent = suite_cases.probe(case(credential="staff"), keys)
    assert sent.credential.header == "Token k-staff"
    assert suite_cases.probe(case(credential="user"), keys).credential.header == "Token k-user"
    assert suite_cases.probe(case(credential="bearer"), keys).credential.header == "Bearer k-staff"
    assert suite_cases.probe(case(credential="none"), keys).credential.header is None
    with pytest.raises(suite_cases.MissingKey, match="needs --admin-token"):
        suite_cases.probe(case(credential="admin"), keys)
    payload = suite_cases.probe(case(b"\xff", content_type=None), keys).payload
    assert (payload.body, payload.content_type, payload.label) == (b"\xff", None, "a case")
    # The document's heading path is sent there (the checks judge it where it is served).
    heading = contract().heading_path
    assert suite_cases.probe(case(path=heading), keys).path == heading
    assert suite_cases.probe(case(), keys).path is None


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        (None, "none"),
        ("", "none"),
        ("Token staff-key", "staff"),
        ("token admin-key", "admin"),
        ("Token user-key", "user"),
        ("Bearer staff-key", "bearer"),
        ("Basic c3RhZmY=", "bearer"),
        ("Token", "no-key"),
        ("Token staff-key staff-key", "key-with-spaces"),
        ("Token not-a-key", "unknown-key"),
        ("Token staff-ke", "look-alike/staff/last-dropped"),
        ("Token ADMIN-KEY", "look-alike/admin/other-case"),
    ],
)
def test_the_mock_names_a_headers_credential_without_its_key(header: str | None, kind: str) -> None:
    table = TokenTable({"staff-key": "staff", "admin-key": "admin", "user-key": "user"})
    assert tokens.credential_of(header, table) == kind


# --- hostile files: one clear error naming the file and line ------------------------------


TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (line()[:-20], "not JSON (a cut or broken line?): Unterminated string"),
        ("[1, 2]", "not a JSON object but an array"),
        (line(label=7), 'label: 7 is not of type "string"'),
        (line(content_type=["a"]), "content_type: "),
        (line(source="email"), 'source: "email" is not one of failure, mock, proxy, hand-written'),
        (line(credential="root"), 'credential: "root" is not one of staff, admin, user'),
        (line(credential="Token k-staff"), 'credential: "Token k-staff" is not one of'),
        (line(method="post"), 'method: "post" does not match'),
        (line(path="api"), 'path: "api" does not match'),
        (line(key="k-staff"), "Additional properties are not allowed ('key' was unexpected)"),
        (line(label=...), '"label" is a required property'),
        (line(body=...), "no body: give `body` (text) or `body_base64`"),
        (line(body_base64="eA=="), "two bodies: give `body` or `body_base64`, not both"),
        (line(body=..., body_base64="eA="), "body_base64: not valid base64"),
        (line(body=..., body_base64="e A=="), 'body_base64: "e A==" does not match'),
        (line(body="\ud800"), "body: not Unicode text (a lone surrogate)"),
        (line(body="x" * TEN_MB), f"the line is over {cases.max_line_bytes()} bytes"),
        (
            line(body="x" * (cases.max_body_bytes() + 1)),
            f"the body is {cases.max_body_bytes() + 1} bytes; a case holds at most",
        ),
    ],
)
def test_a_hostile_line_is_refused_naming_the_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    file = tmp_path / "hostile.jsonl"
    file.write_text(line(label="fine") + "\n" + text + "\n" + line(label="after") + "\n")
    with pytest.raises(CaseError) as raised:
        cases.load_all([file])
    error = str(raised.value)
    assert error.startswith(f"{file}:2: ")
    assert message in error
    assert "\n" not in error
    assert len(error) < 500  # never the body itself


def test_a_line_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "latin1.jsonl"
    file.write_bytes(line().replace("a case", "Zo\u00eb").encode("latin-1") + b"\n")
    with pytest.raises(CaseError, match=r"latin1.jsonl:1: not UTF-8 \(byte 14\)"):
        cases.load_all([file])


def test_a_ten_megabyte_line_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    file = tmp_path / "big.jsonl"
    with file.open("w") as stream:
        stream.write(line(body="x" * TEN_MB) + "\n")
    with pytest.raises(CaseError, match=r"big\.jsonl:1: the line is over"):
        cases.load_all([file])


def test_everything_read_at_once_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cases, "MAX_FILE_BYTES", 1000)
    for name in ("a", "b"):
        (tmp_path / f"{name}.jsonl").write_text((line() + "\n") * 4)
    with pytest.raises(CaseError, match=r"b.jsonl:\d: over"):
        cases.load_all([tmp_path])


def test_directories_give_their_jsonl_files_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b.jsonl").write_text(line(label="b") + "\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.jsonl").write_text(line(label="c") + "\n")
    (tmp_path / "a.jsonl").write_text(line(label="a") + "\n")
    (tmp_path / "notes.txt").write_text("not a case")
    assert [c.label for c in cases.load_all([tmp_path])] == ["a", "b", "c"]
    with pytest.raises(CaseError, match=r"missing\.jsonl: no such file or directory"):
        cases.load_all([tmp_path / "missing.jsonl"])
    with pytest.raises(CaseError, match=r"^/dev/null: not a regular file, nor a folder of case"):
        cases.load_all([Path("/dev/null")])


def test_the_suite_refuses_cases_for_another_operation(tmp_path: Path) -> None:
    file = tmp_path / "other.jsonl"
    file.write_text(line() + "\n" + line(path="/api/users/") + "\n")
    with pytest.raises(CaseError, match=r"other\.jsonl:2: the case is for POST /api/users/"):
        suite_cases.load([file])


@pytest.mark.parametrize(
    ("first_line", "is_case"),
    [
        (line(), True),
        (line(credential="root"), True),  # recognised, then refused with a clear error
        (line()[:150], True),  # cut after its credential
        ('{"label": 1, "text": "a data set"}', False),
        ('{"time": "...", "level": "info", "message": "a log"}', False),
        ("", False),
    ],
)
def test_case_files_are_told_from_other_json_lines_files(
    tmp_path: Path, first_line: str, is_case: bool
) -> None:
    file = tmp_path / "f.jsonl"
    file.write_text(first_line + "\n")
    assert cases.is_case_file(file) is is_case


def test_the_readmes_example_is_a_valid_case() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### Keep what you found", 1)[1]
    example = section.split("```json\n", 1)[1].split("\n```", 1)[0]
    assert cases.loads(example).credential == "staff"


def test_keys_are_masked_wherever_they_appear_keeping_sizes() -> None:
    leaky = case(
        b'{"subject": "my key is Sekrit42, ok", "message": "Gr\xc3\xbc\xc3\x9fe-key"}',
        label="Sekrit42 in a label",
        content_type="application/json; x=Sekrit42",
    )
    hidden = cases.masked(leaky, ["Sekrit42", "Grüße-key", ""])
    assert hidden.body == b'{"subject": "my key is ********, ok", "message": "***********"}'
    assert hidden.label == "******** in a label"
    assert hidden.content_type == "application/json; x=********"
    assert len(hidden.body) == len(leaky.body)


def test_a_case_log_appends_whole_lines_and_stops_when_full(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    file = tmp_path / "session.jsonl"
    file.write_text(line(label="earlier") + "\n")
    first, second = cases.CaseLog(file), cases.CaseLog(file)  # two workers, one file
    assert first.add(cases.dumps(case(label="one")))
    assert second.add(cases.dumps(case(label="two")))
    small = cases.CaseLog(file, max_bytes=file.stat().st_size + 10)
    assert not small.add(cases.dumps(case(label="three")))
    assert not small.add(cases.dumps(case(label="four")))
    assert small.full
    for log in (first, second, small):
        log.close()
    assert [c.label for c in cases.load_all([file])] == ["earlier", "one", "two"]
    stopped = [r.getMessage() for r in caplog.records if "recording stopped" in r.getMessage()]
    assert stopped == [f"recording stopped: {file} would pass its limit of {small.max_bytes} bytes"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
def test_a_case_log_that_cannot_write_stops_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The mock and the proxy record through it: a full disk must not fail their answers.
    log = cases.CaseLog(Path("/dev/full"))
    assert not log.add(cases.dumps(case(label="one")))
    assert not log.add(cases.dumps(case(label="two")))
    log.close()
    stopped = [r.getMessage() for r in caplog.records if "recording stopped" in r.getMessage()]
    assert stopped == ["recording stopped: cannot write /dev/full: No space left on device"]


def test_what_a_recorder_saw_rides_along_and_is_checked_too(tmp_path: Path) -> None:
    seen = {
        "time": "2026-01-15T10:00:00.000000Z",
        "response": {"status": 201, "headers": [["content-type", "application/json"]], "body": ""},
        "error": None,
        "violations": [{"check": "echo", "message": "'subject' came back as 'Hi'"}],
    }
    assert cases.loads(cases.dumps(case(), seen)) == case()
    wrong = {**seen, "response": {"status": 201, "headers": []}}
    with pytest.raises(CaseError, match="seen/response: no body"):
        cases.dumps(case(), wrong)
    # A line may hold two bodies of the largest size: the request's and the answer's.
    largest = b"\xff" * cases.max_body_bytes()
    both = {**seen, "response": {"status": 413, "headers": [], **cases.body_json(largest)}}
    assert len(cases.dumps(case(largest), both).encode()) <= cases.max_line_bytes()
