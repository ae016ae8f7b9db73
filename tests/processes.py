"""Start a real contacts-mock process on a free loopback port, and stop it by its pid."""

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
from typing import Any

_API_LINE = re.compile(r"API:\s+(http://127\.0\.0\.1:\d+)/")


@dataclass
class MockProcess:
    process: subprocess.Popen[str]
    base_url: str = ""
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def mock_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mock_server", "--port", "0", *args]


def _drain(stream: object, lines: list[str], found: queue.Queue[str] | None) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.append(line)
        match = _API_LINE.search(line) if found is not None else None
        if match and found is not None:
            found.put(match.group(1))


def _start(args: tuple[str, ...], env: dict[str, str] | None) -> tuple[MockProcess, Any]:
    process = subprocess.Popen(
        mock_command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    mock = MockProcess(process)
    found: queue.Queue[str] = queue.Queue()
    readers = [
        threading.Thread(target=_drain, args=(process.stdout, mock.stdout, found), daemon=True),
        threading.Thread(target=_drain, args=(process.stderr, mock.stderr, None), daemon=True),
    ]
    for reader in readers:
        reader.start()
    return mock, (found, readers)


@contextmanager
def running_mocks(
    *arg_lists: tuple[str, ...], env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[list[MockProcess]]:
    """Mocks started all at once, each on 127.0.0.1 with a free port; stopped (SIGINT,
    then SIGKILL) on exit. Both pipes of each are drained by threads, so a chatty mock
    never blocks on a full pipe."""
    started = [_start(args, env) for args in arg_lists]
    try:
        for mock, (found, _) in started:
            try:
                mock.base_url = found.get(timeout=timeout)
            except queue.Empty:
                stop(mock.process)
                raise RuntimeError(
                    f"mock did not start: {''.join(mock.stdout + mock.stderr)}"
                ) from None
        yield [mock for mock, _ in started]
    finally:
        for mock, (_, readers) in started:
            stop(mock.process)
            for reader in readers:
                reader.join(timeout=5)


@contextmanager
def running_mock(
    *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> Iterator[MockProcess]:
    """One mock on 127.0.0.1 with a free port (see running_mocks)."""
    with running_mocks(args, env=env, timeout=timeout) as (mock,):
        yield mock


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
