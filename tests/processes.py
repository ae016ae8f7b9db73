"""A contacts-mock process on a free loopback port, stopped by its own process id."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from types import TracebackType

BANNER_URL = re.compile(r"API:\s+(http://127\.0\.0\.1:\d+)/")
START_TIMEOUT = 30.0


class MockProcess:
    """`with MockProcess("--fault", "x") as url:` runs `python -m mock_server --port 0`."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = args
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> str:
        command = [sys.executable, "-m", "mock_server", "--port", "0", "--log-level", "error"]
        self.process = subprocess.Popen(
            [*command, *self.args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT
        for line in self.process.stdout:
            match = BANNER_URL.search(line)
            if match:
                return match.group(1)
            if time.monotonic() > deadline:
                break
        self._stop()
        raise RuntimeError("contacts-mock did not start")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
