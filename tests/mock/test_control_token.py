"""--control-token: every /__mock__/ route needs it, compared in constant time, and it is
never written to logs or the request journal."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest

from contacts_core.spec import operation
from contacts_core.tokens import TokenTable, is_control_key
from mock_server.admin import OPEN_PATHS, routes
from mock_server.recorder import CaseTaker
from mock_server.store import ContactShape, MemoryStore
from tests.support.mocks import STAFF, MakeMock, client_for
from tests.support.processes import running_mock
from tests.support.sockets import port_of, request

pytestmark = pytest.mark.process

KEY = "control-key-0001"
CONTROL = {"Authorization": f"Token {KEY}"}


def admin_requests() -> list[tuple[str, str]]:
    """Every route of the admin router but the open probes, plus paths under /__mock__
    that match none."""
    store = MemoryStore(ContactShape(operation()), 10, 10)
    found = []
    for route in routes(store, CaseTaker(operation(), TokenTable({}), ())).routes:
        if route.path in OPEN_PATHS:  # type: ignore[attr-defined]
            continue
        path = "/__mock__" + route.path.replace("{contact_id:int}", "1")  # type: ignore[attr-defined]
        found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]  # type: ignore[attr-defined]
    return [
        *found,
        ("GET", "/__mock__"),
        ("GET", "/__mock__/nothing"),
        ("PUT", "/__mock__/contacts"),
    ]


ADMIN_REQUESTS = admin_requests()


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Token", f"Token {KEY[:-1]}", f"Token {KEY}x", f"Bearer {KEY}", f"Token {KEY} x",
     "Token staff-token", "Token admin-token"],
)  # fmt: skip
async def test_every_admin_route_needs_the_control_token(
    make_mock: MakeMock, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with client_for(make_mock(control_token=KEY)) as client:
        for method, path in ADMIN_REQUESTS:
            response = await client.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path)
            assert response.headers["www-authenticate"] == "Token"
            assert "control token" in response.json()["detail"]


async def test_the_probes_are_open_and_reveal_nothing(make_mock: MakeMock) -> None:
    # A load balancer's probe holds no secret.
    async with client_for(make_mock(control_token=KEY)) as client:
        for path in OPEN_PATHS:
            response = await client.get("/__mock__" + path)
            assert (response.status_code, response.json()) == (200, {"status": "ok"}), path


async def test_with_the_control_token_the_admin_api_works(make_mock: MakeMock) -> None:
    async with client_for(make_mock(control_token=KEY)) as client:
        created = (await client.post("/api/contacts/", json={"subject": "x"}, headers=STAFF)).json()
        assert (await client.get("/__mock__/contacts", headers=CONTROL)).json() == [created]
        assert (await client.post("/__mock__/contacts/1/view", headers=CONTROL)).status_code == 200
        assert (await client.get("/__mock__/nothing", headers=CONTROL)).status_code == 404
        assert (await client.delete("/__mock__/contacts", headers=CONTROL)).status_code == 204
        assert (await client.get("/__mock__/health", headers=CONTROL)).json()["contacts"] == 0
        # The contract's own API still takes the contract's tokens only.
        refused = await client.post("/api/contacts/", json={"subject": "x"}, headers=CONTROL)
        assert refused.status_code == 401


async def test_without_a_control_token_the_admin_api_is_open(client: httpx.AsyncClient) -> None:
    assert (await client.get("/__mock__/contacts")).status_code == 200


def test_the_key_is_compared_in_constant_time(comparisons: list[tuple[bytes, bytes]]) -> None:
    verdicts = [is_control_key(h, KEY) for h in (f"Token {KEY}", "Token nope", None, "Basic x y")]
    assert verdicts == [True, False, False, False]
    # One comparison per check, whatever the header holds: no early exit.
    assert [known for _, known in comparisons] == [KEY.encode()] * 4


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_control_token_never_reaches_logs_or_the_journal(log_format: str) -> None:
    key, wrong = f"control-{secrets.token_hex(12)}", f"wrong-{secrets.token_hex(12)}"
    args = ["--log-level", "debug", "--log-format", log_format, "--control-token", key]
    with running_mock(*args) as mock:
        port = port_of(mock)
        body = b'{"subject": "s"}'
        json_type = {"Content-Type": "application/json"}
        for authorization in (f"Token {key}", f"Token {wrong}"):
            # The admin requests first: with the key, one of them clears the journal.
            for method, path in ADMIN_REQUESTS:
                request(port, method, path, headers={"Authorization": authorization})
            headers = {"Authorization": authorization, **json_type}
            request(port, "POST", "/api/contacts/", body, headers)
        status, _, raw = request(
            port, "GET", "/__mock__/requests", headers={"Authorization": f"Token {key}"}
        )
    assert status == 200
    journal = json.loads(raw)
    assert [entry["status"] for entry in journal] == [401, 401]
    output = "".join(mock.stdout + mock.stderr)
    assert "GET /__mock__/contacts HTTP/1.1" in output  # access lines are there
    assert "Authorization: Token <control token>" in output  # the banner says it is on
    for secret in (key, wrong):
        assert secret not in output
        assert secret not in raw.decode()
