"""Tokens are compared in constant time and never written to logs or the request journal."""

from __future__ import annotations

import json
import secrets

import pytest

from contacts_core.tokens import TokenTable
from mock_server.auth import authenticate
from mock_server.errors import NotAuthenticated
from tests.support.processes import running_mock
from tests.support.sockets import get_json, port_of, request

pytestmark = pytest.mark.process

KEYS = {"first-key-0001": "staff", "second-key-002": "admin", "third-key-0003": "user"}


@pytest.mark.parametrize(
    ("key", "role"),
    [
        ("first-key-0001", "staff"),
        ("third-key-0003", "user"),
        ("first-key-000", None),  # a prefix
        ("first-key-00011", None),
        ("", None),
        ("x" * 65536, None),
    ],
)
def test_every_key_is_compared_in_constant_time(
    comparisons: list[tuple[bytes, bytes]], key: str, role: str | None
) -> None:
    assert TokenTable(KEYS).role_of(key) == role
    # One compare_digest per known key, found or not: no early exit, no == on a key.
    assert sorted(known for _, known in comparisons) == sorted(k.encode() for k in KEYS)
    assert {candidate for candidate, _ in comparisons} == {key.encode()}


def test_authentication_goes_through_the_constant_time_table(
    comparisons: list[tuple[bytes, bytes]],
) -> None:
    assert authenticate("Token second-key-002", TokenTable(KEYS)) == "admin"
    with pytest.raises(NotAuthenticated):
        authenticate("Token second-key-003", TokenTable(KEYS))
    assert len(comparisons) == 2 * len(KEYS)


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_tokens_never_reach_logs_or_the_journal(log_format: str) -> None:
    staff, user = f"staff-{secrets.token_hex(12)}", f"user-{secrets.token_hex(12)}"
    wrong, huge = f"wrong-{secrets.token_hex(12)}", "h" * 65536
    json_headers = {"Content-Type": "application/json"}
    sent = [
        (f"Token {staff}", 201),
        (f"Token {user}", 403),
        (f"Token {wrong}", 401),
        (f"Bearer {staff}", 401),
        (f"Token {staff} {wrong}", 401),
        (f"Token {huge}", None),  # 431 or 401, see test_hostile
    ]
    args = ["--log-level", "debug", "--log-format", log_format]
    with running_mock(*args, "--token", f"{staff}=staff", "--token", f"{user}=user") as mock:
        port = port_of(mock)
        for authorization, expected in sent:
            headers = {"Authorization": authorization, **json_headers}
            status, _, _ = request(port, "POST", "/api/contacts/", b'{"subject": "s"}', headers)
            assert expected is None or status == expected
        request(port, "GET", "/api/contacts/", headers={"Authorization": f"Token {staff}"})
        request(port, "POST", "/api/nothing", headers={"Authorization": f"Token {wrong}"})
        journal = json.dumps(get_json(port, "/__mock__/requests"))
    output = "".join(mock.stdout + mock.stderr)
    # The output is there (access lines at debug), but no key is in it.
    assert "uvicorn.access" in output
    assert "POST /api/contacts/ HTTP/1.1" in output
    assert len(json.loads(journal)) >= len(sent)
    for token in (staff, user, wrong, huge[:64]):
        assert token not in output
        assert token not in journal
