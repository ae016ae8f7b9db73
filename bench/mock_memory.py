"""Memory of contacts-mock: RSS per stored contact, and proof that --max-contacts bounds it.

    python bench/mock_memory.py [--contacts 100000]

Contacts are created through the API of a real `contacts-mock` process (POST
/api/contacts/ with the document's example body, on keep-alive connections), and the
process's resident memory (VmRSS in /proc/PID/status) is read before and after:

1. --max-contacts 100000: RSS after a warm-up and a reset, then after 100,000 contacts;
   the difference over 100,000 is the cost of one contact.
2. --max-contacts 10000: RSS after 10,000 contacts, then after 50,000 (the oldest
   dropped): it stays near the 10,000 figure, and the store holds ids 40,001..50,000.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from contacts_core.spec import operation  # noqa: E402

BODY = json.dumps(operation().request_example).encode()
PATH = operation().path
CONNECTIONS = 16


# Set by --baseline: measure the mock of another source tree (an older commit, say).
BASELINE: list[Path] = []


def mock_command() -> list[str]:
    if BASELINE:
        return [sys.executable, "-m", "mock_server"]
    script = Path(sys.executable).parent / "contacts-mock"
    found = str(script) if script.exists() else shutil.which("contacts-mock")
    if found is None:
        sys.exit("contacts-mock is not installed: pip install -e . first")
    return [found]


class Mock:
    """A running contacts-mock process on a free loopback port."""

    def __init__(self, process: subprocess.Popen[bytes], output: IO[bytes]) -> None:
        self.process, self.output = process, output
        self.port = self._port()

    def _port(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.output.seek(0)
            found = re.search(rb"API:\s+http://127\.0\.0\.1:(\d+)/", self.output.read())
            if found:
                return int(found.group(1))
            if self.process.poll() is not None:
                raise RuntimeError(f"contacts-mock exited with {self.process.returncode}")
            time.sleep(0.1)
        raise RuntimeError("contacts-mock did not start in time")

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        assert found
        return int(found.group(1)) / 1024

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=120) as r:
            return json.loads(r.read())

    def reset(self) -> None:
        url = f"http://127.0.0.1:{self.port}/__mock__/contacts"
        urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=30).close()

    def create(self, count: int) -> None:
        """POST `count` contacts over CONNECTIONS keep-alive connections; all must be 201."""
        asyncio.run(_create(self.port, count))


@contextmanager
def running_mock(max_contacts: int) -> Iterator[Mock]:
    """Start contacts-mock with this bound, yield it, stop it by its pid."""
    args = ["--port", "0", "--log-level", "warning", "--max-contacts", str(max_contacts)]
    with tempfile.TemporaryFile() as output:
        source = BASELINE[0].resolve() if BASELINE else None
        process = subprocess.Popen(
            [*mock_command(), *args],
            stdout=output,
            stderr=subprocess.STDOUT,
            # python -m puts the working directory first on sys.path: run it from there.
            cwd=source,
            env=dict(os.environ, PYTHONPATH=str(source)) if source else None,
        )
        try:
            yield Mock(process, output)
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


async def _create(port: int, count: int) -> None:
    request = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token staff-token\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n"
    ).encode() + BODY
    shares = [count // CONNECTIONS + (n < count % CONNECTIONS) for n in range(CONNECTIONS)]

    async def client(share: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(share):
            writer.write(request)
            status = await reader.readline()
            if b" 201 " not in status:
                raise RuntimeError(f"expected 201, got {status!r}")
            length = 0
            while (line := await reader.readline()) != b"\r\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
        writer.close()

    await asyncio.gather(*(client(share) for share in shares))


def per_contact(contacts: int) -> dict[str, float]:
    with running_mock(max_contacts=contacts) as mock:
        mock.create(2000)  # warm-up: the interpreter's caches and pools settle
        mock.reset()
        before = mock.rss_mib()
        started = time.monotonic()
        mock.create(contacts)
        seconds = time.monotonic() - started
        after = mock.rss_mib()
        stored = mock.get("/__mock__/health")["contacts"]
    if stored != contacts:
        sys.exit(f"the store holds {stored} contacts, not {contacts}")
    return {
        "before_mib": before,
        "after_mib": after,
        "bytes_per_contact": (after - before) * 1024 * 1024 / contacts,
        "seconds": seconds,
    }


def bounded(limit: int, total: int) -> dict[str, Any]:
    with running_mock(max_contacts=limit) as mock:
        start = mock.rss_mib()
        mock.create(limit)
        at_limit = mock.rss_mib()
        mock.create(total - limit)
        after = mock.rss_mib()
        ids = [contact["id"] for contact in mock.get("/__mock__/contacts")]
    if ids != list(range(total - limit + 1, total + 1)):
        sys.exit(f"expected ids {total - limit + 1}..{total}, got {len(ids)} contacts")
    return {"start_mib": start, "at_limit_mib": at_limit, "after_mib": after, "stored": len(ids)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=10_000)
    parser.add_argument("--total", type=int, default=50_000)
    parser.add_argument("--baseline", type=Path, metavar="DIR", help="measure this source tree")
    args = parser.parse_args()
    if args.baseline:
        BASELINE.append(args.baseline)

    cost = per_contact(args.contacts)
    print(f"{args.contacts:,} contacts created through the API in {cost['seconds']:.1f} s")
    print(
        f"  RSS {cost['before_mib']:.1f} MiB -> {cost['after_mib']:.1f} MiB:"
        f" {cost['bytes_per_contact']:.0f} bytes per contact"
    )
    bound = bounded(args.limit, args.total)
    print(f"--max-contacts {args.limit:,}, {args.total:,} contacts created through the API")
    print(
        f"  RSS {bound['start_mib']:.1f} MiB at start, {bound['at_limit_mib']:.1f} MiB at"
        f" {args.limit:,}, {bound['after_mib']:.1f} MiB at {args.total:,};"
        f" the store holds {bound['stored']:,}"
        f" (ids {args.total - args.limit + 1:,}..{args.total:,})"
    )


if __name__ == "__main__":
    main()
