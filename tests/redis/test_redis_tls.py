"""A Redis that speaks only TLS (a managed Redis, usually): `--store rediss://...` with
the CA in the URL serves as redis:// does; a certificate the machine does not trust is
one clear line at start, saying how to give the CA."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import mock_command, running_mock
from tests.support.redis_server import running_redis
from tests.support.sockets import get_json, port_of, request

pytestmark = pytest.mark.process

STAFF = {"Authorization": "Token staff-token", "Content-Type": "application/json"}


@pytest.mark.slow
def test_a_tls_redis_with_its_ca_in_the_url_serves_the_contract(tmp_path: Path) -> None:
    with running_redis(tmp_path, tls=True) as redis, running_mock("--store", redis.url) as mock:
        port = port_of(mock)
        status, _, body = request(port, "POST", "/api/contacts/", b'{"subject": "Hi"}', STAFF)
        stored = get_json(port, "/__mock__/contacts")
    assert status == 201
    assert [contact["subject"] for contact in stored] == ["Hi"]
    assert stored[0] == json.loads(body)
    banner = "".join(mock.stdout)
    assert f"Store:       Redis at {redis.url}, keys" in banner


@pytest.mark.slow
def test_an_untrusted_certificate_is_one_line_naming_the_url_and_the_fix(tmp_path: Path) -> None:
    with running_redis(tmp_path, tls=True) as redis:
        url = f"rediss://127.0.0.1:{redis.port}/0"
        result = subprocess.run(
            mock_command("--store", url, "--store-timeout", "2"),
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"contacts-mock: error: cannot use the store: Redis at {url} is")
    assert "certificate verify failed" in lines[0]
    assert lines[0].endswith("give its CA in the URL, rediss://...?ssl_ca_certs=/path/to/ca.pem)")
