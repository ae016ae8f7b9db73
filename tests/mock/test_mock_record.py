"""What frontends send becomes cases: `contacts-mock --record FILE` and
`GET /__mock__/requests?format=cases`, the contract operation's requests with their
bodies, keys replaced by their roles, never a key anywhere."""

from __future__ import annotations

import json
import logging
import subprocess
import time
from pathlib import Path

import pytest

from contacts_core import cases
from contacts_core.spec import operation
from contacts_core.tokens import LOOK_ALIKE, look_alikes
from mock_server.admin import OMITTED
from mock_server.app import MockApp
from mock_server.store import JournalEntry, SentRequest
from tests.support.mocks import BOTH_STORES, STAFF, MakeMock, client_for, unique_prefix
from tests.support.processes import mock_command, running_mock, running_mocks
from tests.support.redis_server import RedisServer
from tests.support.sockets import port_of, request

pytestmark = pytest.mark.process

OPERATION = operation()
URL = OPERATION.path
LIMIT = OPERATION.max_body_bytes
JSON = {"Content-Type": "application/json"}
KEYS = {"Custom-Staff-Key-1": "staff", "Admin-Key-22": "admin", "User-Key-333": "user"}
CONTROL = "Control-Key-4444"
CONTROL_HEADER = {"Authorization": f"Token {CONTROL}"}


def token(key: str) -> dict[str, str]:
    return {"Authorization": f"Token {key}", **JSON}


def tokens() -> list[str]:
    return [arg for key, role in KEYS.items() for arg in ("--token", f"{key}={role}")]


def test_a_recorded_file_holds_every_request_of_the_api_and_never_a_key(tmp_path: Path) -> None:
    record = tmp_path / "cases" / "frontend.jsonl"  # its folder is made
    staff, admin, user = KEYS
    sent = [
        # (headers, body, the credential the case names)
        (token(staff), b'{"subject": "my key is Custom-Staff-Key-1"}', "staff"),
        (token(admin), b'{"subject": "Hi"}', "admin"),
        (token(user), b'{"subject": "Hi"}', "user"),
        (JSON, b'{"subject": "Hi"}', "none"),
        ({"Authorization": f"Bearer {staff}", **JSON}, b"{}", "bearer"),
        ({"Authorization": "Token", **JSON}, b"{}", "no-key"),
        ({"Authorization": f"Token {staff} {staff}", **JSON}, b"{}", "key-with-spaces"),
        (token(CONTROL), b'{"subject": "Hi"}', "unknown-key"),
        (token(staff), b'{"subject": "\xff\xfe"}', "staff"),
        ({"Authorization": f"Token {staff}"}, b"subject=Hi", "staff"),
        (token(staff), b'{"subject": "' + b"x" * LIMIT + b'"}', "staff"),
    ]
    with running_mock("--record", str(record), "--control-token", CONTROL, *tokens()) as mock:
        port = port_of(mock)
        statuses = [request(port, "POST", URL, body, headers)[0] for headers, body, _ in sent]
        # The document's heading path, as a frontend may send it (a backend may not serve it).
        request(port, "POST", URL.rstrip("/"), b'{"subject": "alias"}', token(staff))
        # Neither a simulated answer nor another method is a request of the operation.
        request(port, "POST", URL, b"{}", {"Prefer": "code=500", **token(staff)})
        request(port, "GET", URL, b"", token(staff))
        status, headers, journal = request(
            port, "GET", "/__mock__/requests?format=cases", b"", CONTROL_HEADER
        )
        banner = "".join(mock.stdout)
    assert statuses == [201, 201, 403, 401, 401, 401, 401, 401, 400, 415, 413]
    assert f"Recording:   {record}" in banner

    recorded = cases.load_all([record])
    assert [c.credential for c in recorded] == [c for _, _, c in sent] + ["staff"]
    assert {(c.source, c.method, c.path) for c in recorded[:-1]} == {("mock", "POST", URL)}
    assert recorded[-1].path == URL.rstrip("/")
    assert [c.body for c in recorded[1:-1]] == [body[: LIMIT + 1] for _, body, _ in sent[1:]]
    assert recorded[0].body == b'{"subject": "my key is ******************"}'
    assert [c.content_type for c in recorded[-3:-1]] == [None, "application/json"]
    assert recorded[-2].label.endswith(f"its first {LIMIT + 1} bytes")
    assert recorded[-1].body == b'{"subject": "alias"}'
    text = record.read_bytes() + journal
    for key in [*KEYS, CONTROL]:
        assert key.encode() not in text

    # The journal gives the same cases, but for a body over its bound, without the
    # answers (`seen`), which it does not keep.
    assert status == 200
    assert headers["content-type"] == "application/jsonl"
    assert headers[OMITTED.lower()] == "1"
    lines = [
        {k: v for k, v in json.loads(line).items() if k != "seen"}
        for line in record.read_text().splitlines()
    ]
    assert [json.loads(line) for line in journal.decode().splitlines()] == lines[:-2] + lines[-1:]


def test_record_to_a_path_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        mock_command("--record", str(tmp_path)), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"contacts-mock: error: --record: {tmp_path} is a folder: give a file's path\n"
    )


@pytest.mark.slow
def test_workers_share_one_journal_of_cases_and_one_recording(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    record = tmp_path / "shared.jsonl"
    store = ("--store", redis_server.url, "--store-prefix", unique_prefix())
    with running_mocks((*store, "--workers", "2", "--record", str(record))) as (mock,):
        port = port_of(mock)
        subjects = [f"request {n}" for n in range(20)]
        for subject in subjects:
            body = json.dumps({"subject": subject}).encode()
            assert request(port, "POST", URL, body, token("staff-token"))[0] == 201
        deadline = time.monotonic() + 10  # journal entries are written in batches, soon after
        while True:
            _, _, journal = request(port, "GET", "/__mock__/requests?format=cases")
            if len(journal.splitlines()) == len(subjects) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    from_journal = [cases.loads(line) for line in journal.splitlines()]
    from_file = cases.load_all([record])
    for replayed in (from_journal, from_file):
        assert sorted(json.loads(c.body)["subject"] for c in replayed) == sorted(subjects)


# --- the journal as cases, on both stores -------------------------------------------------


@BOTH_STORES
async def test_the_journal_keeps_bodies_up_to_its_bound_and_says_how_many_it_left_out(
    make_mock: MakeMock,
) -> None:
    mock: MockApp = make_mock(journal_size=4)
    big = {"subject": "x", "message": "y" * 70_000}  # invalid (too long), and over the bound
    async with client_for(mock) as client:
        await client.post(URL, json={"subject": "one"}, headers=STAFF)
        await client.post(URL, json=big, headers=STAFF)
        await client.post(URL, json={"subject": "two"}, headers={"Authorization": "Token x"})
        await client.get("/api/ui/")
        await mock.store.journal()  # what Redis has not taken yet is written first
        answer = await client.get("/__mock__/requests", params={"format": "cases"})
        plain = (await client.get("/__mock__/requests")).json()
        wrong = await client.get("/__mock__/requests", params={"format": "xml"})
    assert answer.status_code == 200
    assert answer.headers[OMITTED] == "1"
    replayed = [cases.loads(line) for line in answer.text.splitlines()]
    assert [(c.credential, c.body) for c in replayed] == [
        ("staff", b'{"subject":"one"}'),
        ("unknown-key", b'{"subject":"two"}'),
    ]
    assert [entry["status"] for entry in plain] == [201, 400, 401, 200]
    assert set(plain[0]) == {"method", "path", "status", "time", "duration_ms"}
    assert wrong.status_code == 400
    assert wrong.json() == {"detail": "format must be json or cases"}


@pytest.mark.parametrize("content_type", ["application/json; x=\u00e9", "a" * 300])
async def test_a_request_the_format_cannot_hold_is_served_and_not_recorded(
    make_mock: MakeMock,
    content_type: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A mock served earlier in this session may have set its logger not to propagate,
    # or above warnings.
    monkeypatch.setattr(logging.getLogger("mock_server"), "propagate", True)
    caplog.set_level(logging.WARNING, logger="mock_server")
    mock: MockApp = make_mock()
    async with client_for(mock) as client:
        headers = {**STAFF, "Content-Type": content_type.encode("latin-1")}
        answer = await client.post(URL, content=b'{"subject": "x"}', headers=headers)
        listed = await client.get("/__mock__/requests", params={"format": "cases"})
    assert answer.status_code in (201, 415)
    assert listed.text == ""
    assert "request not recorded as a case: " in caplog.text


def test_a_journal_entry_keeps_its_request_through_a_store_of_text() -> None:
    sent = SentRequest("staff", None, b'{"subject": "\xff\x00"}', cut=True)
    entry = JournalEntry("POST", URL, 201, 1767225600.25, 0.001, sent)
    assert JournalEntry.loads(entry.dumps()) == entry
    left_out = entry._replace(request=sent._replace(body=None))
    assert JournalEntry.loads(left_out.dumps()) == left_out
    # Written by an earlier mock sharing the same Redis: no request part.
    assert JournalEntry.loads('["GET", "/x", 404, 1.0, 0.5]') == JournalEntry(
        "GET", "/x", 404, 1.0, 0.5
    )


def test_a_recording_holds_what_the_mock_answered_as_the_proxy_records_it(
    tmp_path: Path,
) -> None:
    record = tmp_path / "answers.jsonl"
    staff = next(iter(KEYS))
    (alike, *_) = look_alikes(staff)
    sent = [(token(staff), b'{"subject": "Hi"}'), (token(alike.key), b"{}"), (token(staff), b"[]")]
    with running_mock("--record", str(record), *tokens()) as mock:
        port = port_of(mock)
        answers = [request(port, "POST", URL, body, headers) for headers, body in sent]

    recorded = cases.load_all([record])
    assert [c.credential for c in recorded] == [
        "staff",
        f"{LOOK_ALIKE}/staff/{alike.kind}",
        "staff",
    ]
    for case, (status, _, body) in zip(recorded, answers, strict=True):
        assert case.seen is not None
        assert set(case.seen) == {"time", "response", "error", "violations"}
        assert case.seen["error"] is None
        assert case.seen["response"]["status"] == status
        assert cases.recorded_body(case.seen["response"]) == body
        names = {name.lower() for name, _ in case.seen["response"]["headers"]}
        assert "content-type" in names
    assert [status for status, _, _ in answers] == [201, 401, 400]
    assert staff.encode() not in record.read_bytes()
