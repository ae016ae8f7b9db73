"""A real redis-server (Debian's package) on a free loopback port, persistence off,
stopped by its pid: the Redis store's tests run against it, never a fake."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import free_port
from tests.support.tls_proxy import self_signed

REDIS_SERVER = os.environ.get("CONTACTS_TEST_REDIS_SERVER", "/usr/bin/redis-server")
REDIS_CLI = Path(REDIS_SERVER).with_name("redis-cli")  # Debian's redis-tools, a dependency
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
            # A server with --requirepass answers too: it asks for the password.
            return sock.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


@contextmanager
def running_redis(
    directory: Path, port: int | None = None, tls: bool = False, extra: Sequence[str] = ()
) -> Iterator[RedisServer]:
    """redis-server on 127.0.0.1 (a free port unless given), until the block ends; with
    `tls`, TLS only, with a self-signed certificate for 127.0.0.1; `extra`: more options."""
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
         "--loglevel", "warning", *extra],
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


@dataclass
class RedisCluster:
    nodes: list[RedisServer]

    def node_of(self, key: str) -> RedisServer:
        """The node that serves the key's slot."""
        slot = int(cli(self.nodes[0].port, "CLUSTER", "KEYSLOT", key))
        for node in self.nodes:
            if any(low <= slot <= high for low, high in _own_slots(node.port)):
                return node
        raise LookupError(f"no node serves slot {slot}")


def cli(port: int, *command: str) -> str:
    """redis-cli's answer to one command sent to 127.0.0.1:port."""
    result = subprocess.run(
        [str(REDIS_CLI), "-h", "127.0.0.1", "-p", str(port), *command],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    return result.stdout.strip()


def _own_slots(port: int) -> list[tuple[int, int]]:
    """The slot ranges the node at `port` serves (its own line of CLUSTER NODES)."""
    for line in cli(port, "CLUSTER", "NODES").splitlines():
        fields = line.split()
        if "myself" in fields[2]:
            ranges = [field.split("-") for field in fields[8:] if not field.startswith("[")]
            return [(int(r[0]), int(r[-1])) for r in ranges]
    return []


@contextmanager
def running_cluster(directory: Path, size: int = 3) -> Iterator[RedisCluster]:
    """A Redis Cluster of `size` primaries on 127.0.0.1 (redis-cli --cluster create), each
    node a redis-server stopped by its pid when the block ends."""
    with ExitStack() as stack:
        nodes = []
        for number in range(size):
            folder = directory / f"node-{number}"
            folder.mkdir()
            nodes.append(
                stack.enter_context(
                    running_redis(folder, extra=["--cluster-enabled", "yes",
                                                 "--cluster-config-file", "nodes.conf",
                                                 # not port + 10000, which may be taken
                                                 "--cluster-port", str(free_port())])
                )
            )  # fmt: skip
        addresses = [f"127.0.0.1:{node.port}" for node in nodes]
        subprocess.run(
            [str(REDIS_CLI), "--cluster", "create", *addresses, "--cluster-replicas", "0",
             "--cluster-yes"],
            capture_output=True, timeout=60, check=True,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while not all("cluster_state:ok" in cli(n.port, "CLUSTER", "INFO") for n in nodes):
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.1)
        yield RedisCluster(nodes)


def move_slot(
    cluster: RedisCluster, key: str, target: RedisServer, midway: Callable[[], object] = list
) -> None:
    """Move the key's slot, and its keys, to `target`: what resharding does, slot by slot.
    `midway` is called when `key` has moved and the slot's other keys have not."""
    slot = cli(target.port, "CLUSTER", "KEYSLOT", key)
    source = cluster.node_of(key)
    source_id, target_id = (cli(n.port, "CLUSTER", "MYID") for n in (source, target))
    cli(target.port, "CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
    cli(source.port, "CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
    migrate = ("MIGRATE", "127.0.0.1", str(target.port), "", "0", "5000", "KEYS")
    cli(source.port, *migrate, key)
    midway()
    while keys := cli(source.port, "CLUSTER", "GETKEYSINSLOT", slot, "100").split():
        cli(source.port, *migrate, *keys)
    for node in cluster.nodes:
        cli(node.port, "CLUSTER", "SETSLOT", slot, "NODE", target_id)
