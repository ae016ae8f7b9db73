"""Start real contacts-mock (or contacts-contract proxy, or the DRF backend fixture)
processes on free loopback ports, and stop each by its pid."""

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
    found: queue.Queue[str] = field(default_factory=queue.Queue, repr=False)
    readers: list[threading.Thread] = field(default_factory=list, repr=False)


def mock_command(*args: str, python: str = sys.executable) -> list[str]:
    return [python, "-m", "mock_server", "--port", "0", *args]


def compressing_command(codings: str, *args: str) -> list[str]:
    """A mock behind a compressing layer (see tests.support.compressing)."""
    return [sys.executable, "-m", "tests.support.compressing", codings, *args]


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


def _start(
    command: list[str], url_line: re.Pattern[str], env: dict[str, str] | None
) -> MockProcess:
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    server = MockProcess(process)
    # Both pipes are drained by threads, so a chatty server never blocks on a full pipe.
    server.readers = [
        threading.Thread(
            target=_drain, args=(process.stdout, server.stdout, server.found, url_line), daemon=True
        ),
        threading.Thread(
            target=_drain, args=(process.stderr, server.stderr, None, url_line), daemon=True
        ),
    ]
    for reader in server.readers:
        reader.start()
    return server


@contextmanager
def running(
    commands: list[list[str]],
    url_line: re.Pattern[str],
    env: dict[str, str] | None = None,
    timeout: float = 30,
) -> Iterator[list[MockProcess]]:
    """Server processes started all at once, each naming its base URL on a stdout line
    matching `url_line`; stopped (SIGINT, then SIGKILL) on exit."""
    servers = [_start(command, url_line, env) for command in commands]
    try:
        for server, command in zip(servers, commands, strict=True):
            try:
                server.base_url = server.found.get(timeout=timeout)
            except queue.Empty:
                stop(server.process)
                output = "".join(server.stdout + server.stderr)
                raise RuntimeError(f"{command[2]} did not start: {output}") from None
        yield servers
    finally:
        for server in servers:
            stop(server.process)
            for reader in server.readers:
                reader.join(timeout=5)


@contextmanager
def running_mocks(
    *arg_lists: tuple[str, ...], env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[list[MockProcess]]:
    """Mocks started all at once, each on 127.0.0.1 with a free port."""
    with running([mock_command(*args) for args in arg_lists], _API_LINE, env, timeout) as mocks:
        yield mocks


@contextmanager
def running_mock(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[MockProcess]:
    """One mock on 127.0.0.1 with a free port."""
    with running_mocks(args, env=env, timeout=timeout) as (mock,):
        yield mock


@contextmanager
def running_mock_of(python: Path, *args: str, timeout: float = 30) -> Iterator[MockProcess]:
    """One mock of another environment (`python`'s: a wheel installed there, say)."""
    with running([mock_command(*args, python=str(python))], _API_LINE, None, timeout) as (mock,):
        yield mock


@contextmanager
def running_compressing_mock(
    codings: str, *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[MockProcess]:
    """A mock whose answers come compressed in `codings` (gzip, br, ...), on 127.0.0.1."""
    with running([compressing_command(codings, *args)], _API_LINE, env, timeout) as (mock,):
        yield mock


@contextmanager
def running_proxy(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[MockProcess]:
    """`contacts-contract proxy` on 127.0.0.1 with a free port; stopped like the mock."""
    with running([proxy_command(*args)], _PROXY_LINE, env, timeout) as (proxy,):
        yield proxy


@contextmanager
def running_drf_backend(*args: str, timeout: float = 60) -> Iterator[MockProcess]:
    """The DRF backend of tests/support/drf_backend on 127.0.0.1 with a free port, its
    database migrated before it listens; stopped like the mock."""
    command = [sys.executable, "-m", "tests.support.drf_backend", *args]
    # It is imported from the source tree (tests/ is not installed), whatever the cwd.
    env = {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    with running([command], _API_LINE, env, timeout) as (backend,):
        yield backend


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
