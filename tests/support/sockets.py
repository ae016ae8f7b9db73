"""Raw HTTP/1.1 over loopback sockets, for requests no HTTP client would send, and the
resident memory of a process."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.support.processes import MockProcess

Answer = tuple[int, dict[str, str], bytes]  # status, headers (lower-case names), body


def port_of(mock: MockProcess) -> int:
    port = urlsplit(mock.base_url).port
    assert port is not None
    return port


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    assert match, status
    return int(match.group(1))


def encode_request(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_response(sock: socket.socket) -> Answer:
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


def exchange(port: int, raw: bytes, timeout: float = 30) -> Answer:
    """Send raw bytes on a new connection and read one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        return read_response(sock)


def request(
    port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> Answer:
    """One request on its own connection, with Host and Content-Length set."""
    head = {"Host": f"127.0.0.1:{port}", "Content-Length": str(len(body))}
    head.update(headers or {})
    return exchange(port, encode_request(method, path, head) + body)


def get_json(port: int, path: str) -> Any:
    status, _, body = request(port, "GET", path)
    assert status == 200, (status, body)
    return json.loads(body)
