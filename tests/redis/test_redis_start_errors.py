"""Every way Redis or the connection to it can fail at start is one line naming the URL
(password masked) and exit 1, from the real contacts-mock command: never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.processes import free_port
from tests.support.redis_server import running_redis

pytestmark = pytest.mark.process

CONTACTS_MOCK = Path(sys.executable).with_name("contacts-mock")


def _start_error(url: str) -> str:
    """The one line contacts-mock ends with, given this store; asserts exit 1."""
    result = subprocess.run(
        [str(CONTACTS_MOCK), "--port", "0", "--store", url, "--store-timeout", "2"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _names(line: str, masked_url: str) -> str:
    """The reason the line gives, after checking that it names the URL."""
    start = f"contacts-mock: error: cannot use the store: Redis at {masked_url} is unavailable: "
    assert line.startswith(start), line
    return line[len(start) :]


def test_a_db_index_out_of_range(tmp_path: Path) -> None:
    with running_redis(tmp_path, extra=["--databases", "16"]) as redis:
        url = f"redis://127.0.0.1:{redis.port}/99"
        assert "DB index is out of range" in _names(_start_error(url), url)


def test_a_wrong_password(tmp_path: Path) -> None:
    with running_redis(tmp_path, extra=["--requirepass", "right-secret"]) as redis:
        line = _start_error(f"redis://:wrong-secret@127.0.0.1:{redis.port}/0")
    assert "invalid username-password pair" in _names(
        line, f"redis://:***@127.0.0.1:{redis.port}/0"
    )
    assert "secret" not in line


def test_a_wrong_acl_user(tmp_path: Path) -> None:
    acl = ["--user", "alice", "on", ">alice-secret", "~*", "&*", "+@all"]
    with running_redis(tmp_path, extra=acl) as redis:
        line = _start_error(f"redis://bob:alice-secret@127.0.0.1:{redis.port}/0")
    assert "invalid username-password pair" in _names(
        line, f"redis://bob:***@127.0.0.1:{redis.port}/0"
    )
    assert "secret" not in line


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def _http_server(directory: Path) -> Iterator[int]:
    """Python's HTTP server on 127.0.0.1: a server that speaks, but not Redis."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "-d", str(directory),
         str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not _listening(port):
            assert time.monotonic() < deadline, "the HTTP server did not start"
            time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def test_a_server_that_is_not_redis(tmp_path: Path) -> None:
    with _http_server(tmp_path) as port:
        url = f"redis://127.0.0.1:{port}/0"
        assert _names(_start_error(url), url)


@pytest.mark.slow
def test_tls_to_a_plain_port(tmp_path: Path) -> None:
    with running_redis(tmp_path) as redis:
        url = f"rediss://127.0.0.1:{redis.port}/0"
        assert _names(_start_error(url), url)


def test_a_cluster_that_does_not_serve_the_slot(tmp_path: Path) -> None:
    # A cluster node given no slots: it answers PING, but not for the store's keys.
    cluster = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
               "--cluster-port", str(free_port())]  # fmt: skip
    with running_redis(tmp_path, extra=cluster) as redis:
        url = f"redis://127.0.0.1:{redis.port}/0"
        assert "Hash slot not served" in _names(_start_error(url), url)
