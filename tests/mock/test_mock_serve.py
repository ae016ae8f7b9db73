"""mock_server.serve: contacts-mock and the suite's embedded mock are served the same way,
request-head limits included, on either store."""

from __future__ import annotations

import json
import socket

from mock_server.embedded import EmbeddedMock
from mock_server.settings import Settings
from tests.support.mocks import unique_prefix
from tests.support.redis_server import RedisServer
from tests.support.sockets import encode_request, exchange, read_response, request


def _port(mock: EmbeddedMock) -> int:
    return int(mock.url.rsplit(":", 1)[1])


def test_the_embedded_mock_bounds_request_heads_as_contacts_mock_does() -> None:
    with EmbeddedMock(Settings(head_timeout_s=0.5)) as mock:
        port = _port(mock)
        huge = encode_request("GET", "/api/contacts/", {"X-Big": "b" * 70_000})
        assert exchange(port, huge)[0] == 431
        with socket.create_connection(("127.0.0.1", port), timeout=10) as slow:
            slow.sendall(b"POST /api/contacts/ HTTP/1.1\r\nHost: x\r\n")  # and nothing more
            assert read_response(slow)[0] == 408


def test_the_embedded_mock_serves_a_redis_store(redis_server: RedisServer) -> None:
    settings = Settings(store=redis_server.url, store_prefix=unique_prefix())
    headers = {"Authorization": "Token staff-token", "Content-Type": "application/json"}
    with EmbeddedMock(settings) as mock:
        status, _, body = request(
            _port(mock), "POST", "/api/contacts/", b'{"subject": "r"}', headers
        )
    assert status == 201
    assert json.loads(body)["id"] == 1
    with EmbeddedMock(settings) as again:  # the same store: the contact is still there
        status, _, body = request(_port(again), "GET", "/__mock__/contacts")
    assert [contact["subject"] for contact in json.loads(body)] == ["r"]
