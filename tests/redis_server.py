"""A real redis-server (Debian's package) on a free loopback port, persistence off,
stopped by its pid: the Redis store's tests run against it, never a fake."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.processes import free_port
from tests.tls_proxy import self_signed

REDIS_SERVER = os.environ.get("CONTACTS_TEST_REDIS_SERVER", "/usr/bin/redis-server")
START_TIMEOUT = 10.0


@dataclass
class RedisServer:
    process: subprocess.Popen[bytes]
    port: int
    ca: Path | None = None
    """The certificate of a server that speaks only TLS (its own CA)."""

    @property
    def url(self) -> str:
        if self.ca is None:
            return f"redis://127.0.0.1:{self.port}/0"
        return f"rediss://127.0.0.1:{self.port}/0?ssl_ca_certs={self.ca}"

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open, nothing is answered."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def _answers(port: int, ca: Path | None) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as plain:
            sock = plain
            if ca is not None:
                context = ssl.create_default_context(cafile=str(ca))
                sock = context.wrap_socket(plain, server_hostname="127.0.0.1")
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def running_redis(
    directory: Path, port: int | None = None, tls: bool = False
) -> Iterator[RedisServer]:
    """redis-server on 127.0.0.1 (a free port unless given), until the block ends; with
    `tls`, TLS only, with a self-signed certificate for 127.0.0.1."""
    if not Path(REDIS_SERVER).exists():
        raise RuntimeError(
            f"{REDIS_SERVER} is missing: install Debian's redis-server package "
            "(tox does it: tests/ensure-debian-package.sh redis-server)"
        )
    port = port or free_port()
    listen = ["--port", str(port)]
    ca = None
    if tls:
        ca, key = self_signed(directory)
        listen = ["--port", "0", "--tls-port", str(port), "--tls-cert-file", str(ca),
                  "--tls-key-file", str(key), "--tls-ca-cert-file", str(ca),
                  "--tls-auth-clients", "no"]  # fmt: skip
    process = subprocess.Popen(
        [REDIS_SERVER, *listen, "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no", "--dir", str(directory),
         "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = RedisServer(process, port, ca)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(port, ca):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on 127.0.0.1:{port}")
            time.sleep(0.05)
        yield server
    finally:
        server.resume()  # a paused server cannot stop
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
