"""`Prefer` read as RFC 7240 says, `Preference-Applied` on every simulated answer, the
tracing headers real frontends send allowed by CORS, an accurate message for each kind
of unreadable body, and every named error example of the spec equal, byte for byte, to
what the mock answers a real request of that kind."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from contacts_core.asgi import encode_json
from contacts_core.spec import operation
from mock_server.app import MockApp
from tests.support.mocks import DOCUMENT_EXAMPLE, STAFF, USER

URL = operation().path
JSON = {"Content-Type": "application/json"}
OP = operation()
LIMIT = OP.max_body_bytes
TRACING = ["x-request-id", "sentry-trace", "baggage", "traceparent"]


@pytest.mark.parametrize("prefer", ["CODE=500", "code = 500", "Code=500 ; foo", 'code="500"'])
async def test_prefer_tokens_are_case_insensitive_and_may_have_spaces(
    client: httpx.AsyncClient, prefer: str
) -> None:
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers={**STAFF, "Prefer": prefer})
    assert response.status_code == 500
    assert response.headers["preference-applied"].startswith("code=500")


@pytest.mark.parametrize(
    ("status", "name"),
    [(status, name) for status, r in OP.responses.items() for name in r.examples],
)
async def test_an_example_named_alone_is_answered_at_its_own_status(
    client: httpx.AsyncClient, status: int, name: str
) -> None:
    headers = {**STAFF, "Prefer": f"example = {name}"}
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers=headers)
    assert response.status_code == status
    assert response.json() == OP.responses[status].examples[name]
    assert response.headers["preference-applied"] == f"code={status}, example={name}"


async def test_an_unknown_example_named_alone_is_400_listing_the_names(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(URL, json={}, headers={"Prefer": "example=nope"})
    assert response.status_code == 400
    assert "fieldErrors" in response.json()["detail"]


async def test_an_ordinary_answer_applies_no_preference(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json=DOCUMENT_EXAMPLE, headers={**STAFF, "Prefer": "x=1"})
    assert response.status_code == 201
    assert "preference-applied" not in response.headers


async def test_a_preflight_asking_for_tracing_headers_allows_them(
    client: httpx.AsyncClient,
) -> None:
    asked = ", ".join(["authorization", "content-type", "prefer", *TRACING])
    response = await client.options(
        URL,
        headers={
            "Origin": "http://127.0.0.1:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": asked,
        },
    )
    assert response.status_code == 200, response.text
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert set(TRACING) <= {h.lower() for h in allowed}


async def test_a_lone_surrogate_escape_is_named_as_such(client: httpx.AsyncClient) -> None:
    body = b'{"subject": "\\ud800"}'
    response = await client.post(URL, content=body, headers={**STAFF, **JSON})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "lone surrogate" in detail
    assert "\\ud800" in detail
    assert "nesting" not in detail


async def _server_error(mock_app: MockApp, monkeypatch: pytest.MonkeyPatch) -> None:
    async def fail(_sent: Any) -> Any:
        raise RuntimeError("the store broke")

    monkeypatch.setattr(mock_app.store, "create", fail)


# A real request of each kind: (body bytes, headers). Every named example must have one.
REAL_REQUESTS: dict[str, tuple[bytes, dict[str, str]]] = {
    "missingSubject": (b"{}", {**STAFF, **JSON}),
    "fieldErrors": (
        encode_json({"subject": "", "email": "nope", "first_name": "x" * 151}),
        {**STAFF, **JSON},
    ),
    "unknownField": (b'{"subject": "x", "nickname": "y"}', {**STAFF, **JSON}),
    "notAnObject": (b"[]", {**STAFF, **JSON}),
    "malformedJson": (b"nope", {**STAFF, **JSON}),
    "notProvided": (b"{}", JSON),
    "noKey": (b"{}", {"Authorization": "Token", **JSON}),
    "invalidToken": (b"{}", {"Authorization": "Token nope", **JSON}),
    "forbidden": (b"{}", {**USER, **JSON}),
    "tooLarge": (b" " * (LIMIT + 1), {**STAFF, **JSON}),
    "unsupported": (b"{}", {**STAFF, "Content-Type": "text/plain"}),
    "serverError": (b'{"subject": "x"}', {**STAFF, **JSON}),
}
ERROR_EXAMPLES = [
    (status, name) for status, r in OP.responses.items() if status >= 400 for name in r.examples
]


def test_every_named_error_example_has_a_real_request() -> None:
    assert sorted(name for _, name in ERROR_EXAMPLES) == sorted(REAL_REQUESTS)


@pytest.mark.parametrize(("status", "name"), ERROR_EXAMPLES)
async def test_every_named_error_example_is_what_the_mock_answers(
    client: httpx.AsyncClient,
    mock_app: MockApp,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    name: str,
) -> None:
    if name == "serverError":
        await _server_error(mock_app, monkeypatch)
    body, headers = REAL_REQUESTS[name]
    response = await client.post(URL, content=body, headers=headers)
    assert response.status_code == status
    assert response.content == encode_json(OP.responses[status].examples[name])
    simulated = await client.post(
        URL, json={}, headers={"Prefer": f"code={status}, example={name}"}
    )
    assert simulated.content == response.content


@pytest.mark.parametrize("prefer", ["CODE = 500", "example=fieldErrors"])
async def test_a_simulated_answer_is_not_kept_as_a_case(
    client: httpx.AsyncClient, prefer: str
) -> None:
    await client.post(URL, json={"subject": "x"}, headers={**STAFF, "Prefer": prefer})
    cases = await client.get("/__mock__/requests", params={"format": "cases"})
    assert cases.text == ""
