"""A real contacts-mock process on a free loopback port, for tests that need sockets."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BANNER_API = re.compile(r"^  API:\s+http://127\.0\.0\.1:(\d+)/", re.MULTILINE)
START_TIMEOUT = 60


def _command() -> list[str]:
    script = Path(sys.executable).parent / "contacts-mock"
    return [str(script)] if script.exists() else [sys.executable, "-m", "mock_server"]


@dataclass
class RunningMock:
    process: subprocess.Popen[bytes]
    port: int
    stdout: IO[bytes]
    stderr: IO[bytes]
    output: str = field(default="")  # stdout and stderr, once stopped

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_kib(self) -> int:
        """Resident memory of the process (VmRSS), in KiB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert match, status
        return int(match.group(1))

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on its own connection: (status, headers, body)."""
        head = {"Host": f"127.0.0.1:{self.port}", "Content-Length": str(len(body))}
        head.update(headers or {})
        return exchange(self.port, encode_request(method, path, head) + body)

    def json(self, method: str, path: str) -> Any:
        status, _, body = self.request(method, path)
        assert status == 200, (status, body)
        return json.loads(body)


def encode_request(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Read one response with a Content-Length body; raise ConnectionError if closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response head: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed inside a response body")
        body += chunk
    return int(status_line.split()[1]), headers, body[:length]


def exchange(port: int, raw: bytes, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        return read_response(sock)


def _wait_for_port(stdout: IO[bytes], process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        stdout.seek(0)
        match = BANNER_API.search(stdout.read().decode(errors="replace"))
        if match:
            return int(match.group(1))
        if process.poll() is not None:
            raise RuntimeError(f"contacts-mock exited with {process.returncode}")
        time.sleep(0.05)
    raise RuntimeError("contacts-mock printed no banner in time")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextmanager
def running_mock(*args: str) -> Iterator[RunningMock]:
    """Start `contacts-mock --port 0 ARGS`, yield it, stop it by its pid."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [*_command(), "--port", "0", *args], stdout=stdout, stderr=stderr
        )
        try:
            mock = RunningMock(process, _wait_for_port(stdout, process), stdout, stderr)
            yield mock
        finally:
            _stop(process)
        for stream in (stdout, stderr):
            stream.seek(0)
        mock.output = (stdout.read() + stderr.read()).decode(errors="replace")
