"""Start a real contacts-mock (or contacts-contract proxy) process on a free loopback port,
and stop it by its pid."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_API_LINE = re.compile(r"API:\s+(http://127\.0\.0\.1:\d+)/")
_PROXY_LINE = re.compile(r"Proxy:\s+(http://127\.0\.0\.1:\d+) ->")


@dataclass
class MockProcess:
    process: subprocess.Popen[str]
    base_url: str = ""
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def mock_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mock_server", "--port", "0", *args]


def proxy_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "contract_tests", "proxy", "--port", "0", *args]


def _drain(
    stream: object, lines: list[str], found: queue.Queue[str] | None, url_line: re.Pattern[str]
) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.append(line)
        match = url_line.search(line) if found is not None else None
        if match and found is not None:
            found.put(match.group(1))


@contextmanager
def running_mock(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[MockProcess]:
    """A mock on 127.0.0.1 with a free port; stopped (SIGINT, then SIGKILL) on exit."""
    with running(mock_command(*args), _API_LINE, env, timeout) as mock:
        yield mock


@contextmanager
def running_proxy(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[MockProcess]:
    """`contacts-contract proxy` on 127.0.0.1 with a free port; stopped like the mock."""
    with running(proxy_command(*args), _PROXY_LINE, env, timeout) as proxy:
        yield proxy


@contextmanager
def running(
    command: list[str], url_line: re.Pattern[str], env: dict[str, str] | None, timeout: float
) -> Iterator[MockProcess]:
    """A server process whose stdout names its base URL on a line matching `url_line`.

    Both pipes are drained by threads, so a chatty server never blocks on a full pipe.
    """
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    server = MockProcess(process)
    found: queue.Queue[str] = queue.Queue()
    readers = [
        threading.Thread(
            target=_drain, args=(process.stdout, server.stdout, found, url_line), daemon=True
        ),
        threading.Thread(
            target=_drain, args=(process.stderr, server.stderr, None, url_line), daemon=True
        ),
    ]
    for reader in readers:
        reader.start()
    try:
        try:
            server.base_url = found.get(timeout=timeout)
        except queue.Empty:
            stop(process)
            raise RuntimeError(
                f"{command[2]} did not start: {''.join(server.stdout + server.stderr)}"
            ) from None
        yield server
    finally:
        stop(process)
        for reader in readers:
            reader.join(timeout=5)


def stop(process: subprocess.Popen[str], timeout: float = 10) -> None:
    """Ctrl-C the process by its pid; kill it if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)


def free_port() -> int:
    """A loopback port with nothing listening on it (for "unreachable target" tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def run_pytest(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """pytest in a new process started in `cwd`, without this one's CONTACTS_CONTRACT_*
    variables (only `env`'s)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_CONTRACT_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
