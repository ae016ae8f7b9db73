"""The mock does exactly what the contract says, through HTTP, in-process."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime

import httpx
import pytest

from mock_server.app import MockApp
from tests.support.mocks import (
    ADMIN,
    BOTH_STORES,
    DOCUMENT_EXAMPLE,
    STAFF,
    USER,
    MakeMock,
    client_for,
    unique_prefix,
)
from tests.support.redis_server import RedisServer

URL = "/api/contacts/"


@BOTH_STORES
async def test_document_example_is_created_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers=STAFF)
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in DOCUMENT_EXAMPLE} == DOCUMENT_EXAMPLE
    assert body["id"] == 1
    assert body["viewed"] is False
    assert body["viewed_at"] is None
    assert body["created_at"] == body["updated_at"]
    created = datetime.fromisoformat(body["created_at"])
    assert created.utcoffset() is not None
    assert created.utcoffset().total_seconds() == 0


@BOTH_STORES
async def test_unsent_optional_fields_are_empty_strings(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"subject": "Only this"}, headers=ADMIN)
    assert response.status_code == 201
    body = response.json()
    for field in ("message", "first_name", "last_name", "email", "mobile_number"):
        assert body[field] == ""


@pytest.mark.parametrize("subject", ["\ufeff", "\u200b", "a\n", " x "])
async def test_subjects_with_a_non_whitespace_character_are_accepted(
    client: httpx.AsyncClient, subject: str
) -> None:
    response = await client.post(URL, json={"subject": subject}, headers=STAFF)
    assert response.status_code == 201
    assert response.json()["subject"] == subject


async def test_path_without_slash_is_served_directly(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/contacts", json={"subject": "x"}, headers=STAFF)
    assert response.status_code == 201
    assert "location" not in response.headers


@BOTH_STORES
async def test_ids_increase_from_one(client: httpx.AsyncClient) -> None:
    ids = [
        (await client.post(URL, json={"subject": f"s{i}"}, headers=STAFF)).json()["id"]
        for i in range(5)
    ]
    assert ids == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "Bearer staff-token"}, "Authentication credentials were not provided."),
        ({"Authorization": "Token"}, "Invalid token header. No credentials provided."),
        (
            {"Authorization": "Token a b"},
            "Invalid token header. Token string should not contain spaces.",
        ),
        ({"Authorization": "Token nope"}, "Invalid token."),
        ({"Authorization": "Token staff-token-extra"}, "Invalid token."),
    ],
)
async def test_bad_credentials_get_401(
    client: httpx.AsyncClient, headers: dict[str, str], detail: str
) -> None:
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Token"
    assert response.json() == {"detail": detail}


async def test_user_role_gets_403(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers=USER)
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}


async def test_authentication_comes_before_validation(client: httpx.AsyncClient) -> None:
    assert (
        await client.post(URL, content=b"{not json", headers={"Content-Type": "application/json"})
    ).status_code == 401
    assert (await client.post(URL, json={}, headers=USER)).status_code == 403
    assert (
        await client.post(URL, content=b"x", headers={**USER, "Content-Type": "text/plain"})
    ).status_code == 403


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"subject": ["This field is required."]}),
        ({"subject": ""}, {"subject": ["This field may not be blank."]}),
        ({"subject": " \t\n"}, {"subject": ["This field may not be blank."]}),
        ({"subject": "\x1f\u3000\u2028\xa0"}, {"subject": ["This field may not be blank."]}),
        ({"subject": "ok", "email": "a@b.co\n"}, {"email": ["Enter a valid email address."]}),
        ({"subject": "ok", "email": "a@b.c"}, {"email": ["Enter a valid email address."]}),
        ({"subject": None}, {"subject": ["This field may not be null."]}),
        ({"subject": 5}, {"subject": ["Not a valid string."]}),
        ({"subject": ["a"]}, {"subject": ["Not a valid string."]}),
        ({"subject": "a\x00b"}, {"subject": ["Null characters are not allowed."]}),
        (
            {"subject": "x" * 256},
            {"subject": ["Ensure this field has no more than 255 characters."]},
        ),
        ({"subject": "ok", "message": None}, {"message": ["This field may not be null."]}),
        (
            {"subject": "ok", "message": "m" * 10001},
            {"message": ["Ensure this field has no more than 10000 characters."]},
        ),
        (
            {"subject": "ok", "first_name": "f" * 151},
            {"first_name": ["Ensure this field has no more than 150 characters."]},
        ),
        ({"subject": "ok", "last_name": True}, {"last_name": ["Not a valid string."]}),
        ({"subject": "ok", "email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"subject": "ok", "email": "a@b"}, {"email": ["Enter a valid email address."]}),
        ({"subject": "ok", "email": "a b@c.de"}, {"email": ["Enter a valid email address."]}),
        (
            {"subject": "ok", "mobile_number": "1" * 33},
            {"mobile_number": ["Ensure this field has no more than 32 characters."]},
        ),
        ({"subject": "ok", "nickname": "x"}, {"nickname": ["Unknown field."]}),
        (
            {"email": "bad", "first_name": None},
            {
                "subject": ["This field is required."],
                "email": ["Enter a valid email address."],
                "first_name": ["This field may not be null."],
            },
        ),
        ([], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ("subject", {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]}),
        (None, {"non_field_errors": ["Invalid data. Expected a dictionary, but got null."]}),
        (3, {"non_field_errors": ["Invalid data. Expected a dictionary, but got int."]}),
    ],
)
async def test_invalid_bodies_get_field_errors(
    client: httpx.AsyncClient, body: object, errors: dict[str, list[str]]
) -> None:
    headers = {**STAFF, "Content-Type": "application/json"}
    response = await client.post(URL, content=json.dumps(body), headers=headers)
    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"{",
        b'{"subject": "a",}',
        b"\xff\xfe",
        b"NaN",
        b"[" * 10_000 + b"]" * 10_000,
        b"1" * 5000,
        b'{"subject": "a"}x',
    ],
)
async def test_unparseable_bodies_get_400_detail(client: httpx.AsyncClient, raw: bytes) -> None:
    response = await client.post(
        URL, content=raw, headers={**STAFF, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error - ")


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
    ],
)
async def test_other_content_types_get_415(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = dict(STAFF)
    if content_type:
        headers["Content-Type"] = content_type
    response = await client.post(URL, content=b'{"subject": "a"}', headers=headers)
    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]


async def test_json_with_charset_is_accepted(client: httpx.AsyncClient) -> None:
    headers = {**STAFF, "Content-Type": "application/json; charset=utf-8"}
    assert (await client.post(URL, content=b'{"subject": "\xc3\xa9"}', headers=headers)).json()[
        "subject"
    ] == "é"


async def test_body_over_one_mebibyte_gets_413(client: httpx.AsyncClient) -> None:
    big = b'{"subject": "' + b"x" * (1024 * 1024) + b'"}'
    response = await client.post(
        URL, content=big, headers={**STAFF, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body is larger than 1048576 bytes."}


async def test_chunked_body_over_limit_gets_413(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 65536

    response = await client.post(
        URL, content=chunks(), headers={**STAFF, "Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_chunked_valid_body_is_accepted(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        yield b'{"subject": '
        yield b'"chunked"}'

    response = await client.post(
        URL, content=chunks(), headers={**STAFF, "Content-Type": "application/json"}
    )
    assert response.status_code == 201
    assert response.json()["subject"] == "chunked"


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
async def test_other_methods_get_405_with_allow(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, URL, headers=STAFF)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == {"detail": f'Method "{method}" not allowed.'}


async def test_unknown_path_gets_404_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/nothing")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@BOTH_STORES
async def test_fields_are_stored_exactly(client: httpx.AsyncClient, mock_app: MockApp) -> None:
    body = {
        "subject": "  spaced  ",
        "message": "line\nbreak",
        "first_name": "Zoë",
        "last_name": "😀",
        "email": "",
        "mobile_number": "",
    }
    created = (await client.post(URL, json=body, headers=STAFF)).json()
    assert {k: created[k] for k in body} == body
    assert await mock_app.store.get(created["id"]) == created
    assert await mock_app.store.get(created["id"] + 1) is None


@BOTH_STORES
async def test_concurrent_creates_get_unique_gap_free_ids(mock_app: MockApp) -> None:
    async with client_for(mock_app) as client:
        responses = await asyncio.gather(
            *(client.post(URL, json={"subject": f"c{i}"}, headers=STAFF) for i in range(300))
        )
    assert {r.status_code for r in responses} == {201}
    ids = sorted(r.json()["id"] for r in responses)
    assert ids == list(range(1, 301))
    assert await mock_app.store.count() == 300
    assert {c["subject"] for c in await mock_app.store.all()} == {f"c{i}" for i in range(300)}


async def test_both_stores_answer_the_same_bytes(
    make_mock: MakeMock, redis_server: RedisServer
) -> None:
    """The Redis store is invisible to clients: the same answers, byte for byte, but for
    the times."""
    mocks = [make_mock(), make_mock(store=redis_server.url, store_prefix=unique_prefix())]
    answers = []
    for app in mocks:
        async with client_for(app) as client:
            created = [
                await client.post(URL, json=body, headers=STAFF)
                for body in (DOCUMENT_EXAMPLE, {"subject": "Only this"}, {"subject": "x"})
            ]
            viewed = await client.post("/__mock__/contacts/2/view")
            listed = await client.get("/__mock__/contacts")
        answers.append(
            [_timeless(r.content) for r in (*created, viewed, listed)]
            + [dict(r.headers) for r in created]
        )
    assert answers[0] == answers[1]


_TIME = re.compile(rb'"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z"')


def _timeless(body: bytes) -> bytes:
    return _TIME.sub(b'"<time>"', body)
