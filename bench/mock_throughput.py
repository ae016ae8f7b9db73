"""Throughput of contacts-mock, on its memory and its Redis store, beside Stoplight Prism
and a bare Starlette handler.

    python bench/mock_throughput.py [--rounds 3] [--duration 10] [--only mock]

Each server runs alone on 127.0.0.1, pinned to core 0 (taskset -c 0); wrk runs on
core 1 with 32 connections and POSTs the document's example body with the same token.
For `mock-redis` (one worker, --store redis://...) a redis-server started by this script
(persistence off) runs on core 1 beside wrk, so that the mock keeps core 0 to itself as
in every other run; Redis's own CPU time per request is printed too.
Each measured run follows a warm-up run. Rounds are interleaved (mock, Prism, bare,
then again in a rotated order) and the medians are reported, since the machine is
shared. Every run is checked: only 201s, every 201 body echoes the subject and has an
id, and for the mock the store holds at least as many contacts as wrk saw 201s and at
most as many as it sent (wrk stops with a request in flight on each connection), with
ids 1..n.

Installs what is missing: Prism into bench/.prism/ (npm, git-ignored), wrk and
redis-server (apt-get).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PRISM_DIR = BENCH / ".prism"
PRISM = PRISM_DIR / "node_modules" / ".bin" / "prism"
SPEC = ROOT / "spec" / "openapi.yaml"
LUA = BENCH / "post_contact.lua"
PATH = "/api/contacts/"
TOKEN = "staff-token"
SERVER_CORE, LOAD_CORE = "0", "1"
# Set by --nice: the servers and wrk run before other work on the shared machine.
PRIORITY: list[str] = []

sys.path.insert(0, str(ROOT))
from contacts_core.spec import operation  # noqa: E402

BODY = json.dumps(operation().request_example)


def ensure_debian(command: str, package: str) -> str:
    found = shutil.which(command)
    if found:
        return found
    print(f"installing {package} (apt-get)...", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, timeout=600)
    return shutil.which(command) or sys.exit(f"{command} is still missing")


def ensure_prism() -> Path:
    if not PRISM.exists():
        print(f"installing @stoplight/prism-cli into {PRISM_DIR} (npm)...", flush=True)
        command = ["npm", "install", "--prefix", str(PRISM_DIR), "@stoplight/prism-cli"]
        subprocess.run(command, check=True, timeout=900)
    return PRISM


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http(method: str, url: str, body: bytes | None = None, timeout: float = 30) -> Any:
    headers = {"Content-Type": "application/json", "Authorization": f"Token {TOKEN}"}
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = response.read()
    return json.loads(data) if data else None


@dataclass
class Server:
    """How to start one server on a port, see that it is up, and check its state."""

    name: str
    command: Callable[[int], list[str]]
    # Called after the warm-up: forget what it stored so that the count covers one run.
    reset: Callable[[str], None]
    # The number of contacts it says it created, or None when it keeps no state.
    created: Callable[[str], int | None]
    # A stronger check after the run (ids), or None.
    check: Callable[[str, int], str | None]
    env: dict[str, str] | None = None
    cwd: Path | None = None
    # Another process doing part of the work (Redis), whose CPU time is counted apart.
    helper_pid: int | None = None


# The store keeps every contact of a run (the default bound, 100,000, could be reached
# at 10,000 req/s in 10 s), so that its count can be checked.
MOCK_ARGS = ["--log-level", "warning", "--max-contacts", "5000000"]


def _mock_command(port: int) -> list[str]:
    executable = Path(sys.executable).parent / "contacts-mock"
    mock = str(executable) if executable.exists() else shutil.which("contacts-mock")
    if mock is None:
        sys.exit("contacts-mock is not installed: pip install -e . first")
    return [mock, "--port", str(port), *MOCK_ARGS]


def _mock_ids(base: str, expected: int) -> str | None:
    contacts = http("GET", base + "/__mock__/contacts", timeout=120)
    ids = [contact["id"] for contact in contacts]
    if ids != list(range(1, expected + 1)):
        return f"ids are not 1..{expected} (got {len(ids)} contacts)"
    return None


SERVERS = {
    "mock": Server(
        "mock",
        _mock_command,
        reset=lambda base: http("DELETE", base + "/__mock__/contacts"),
        created=lambda base: http("GET", base + "/__mock__/health")["contacts"],
        check=_mock_ids,
    ),
    "prism": Server(
        "prism",
        # Quiet logging (-v error): logging every request would slow Prism down.
        lambda port: [
            str(PRISM),
            "mock",
            str(SPEC),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-v",
            "error",
        ],
        reset=lambda base: None,
        created=lambda base: None,
        check=lambda base, expected: None,
    ),
    "bare": Server(
        "bare",
        lambda port: [sys.executable, str(BENCH / "bare_starlette.py"), "--port", str(port)],
        reset=lambda base: http("DELETE", base + "/count"),
        created=lambda base: http("GET", base + "/count")["created"],
        check=lambda base, expected: None,
    ),
}


def with_redis(url: str, pid: int) -> Server:
    """The mock, one worker, on the Redis store at `url`."""
    mock = SERVERS["mock"]
    return Server(
        "mock-redis",
        lambda port: [*_mock_command(port), "--store", url, "--store-prefix", "bench"],
        reset=mock.reset,
        created=mock.created,
        check=mock.check,
        helper_pid=pid,
    )


@contextmanager
def running_redis(server: str) -> Iterator[tuple[str, int]]:
    """redis-server on core 1 (beside wrk), persistence off; stopped by its pid."""
    port = free_port()
    command = [*PRIORITY, "taskset", "-c", LOAD_CORE, server, "--port", str(port),
               "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--loglevel", "warning", "--dir", tempfile.gettempdir()]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", process.pid
    finally:
        stop(process)


def baseline(source: Path) -> Server:
    """The mock from another source tree (an older commit, say), run the same way."""
    mock = SERVERS["mock"]
    return Server(
        "baseline",
        lambda port: [sys.executable, "-m", "mock_server", "--port", str(port), *MOCK_ARGS],
        reset=mock.reset,
        created=mock.created,
        check=mock.check,
        # python -m puts the working directory first on sys.path: run it from there.
        env=dict(os.environ, PYTHONPATH=str(source.resolve())),
        cwd=source.resolve(),
    )


def wait_until_serving(base: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            http("POST", base + PATH, BODY.encode(), timeout=5)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not answer within the deadline")


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used (all its threads): contention-proof, unlike req/s."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / os.sysconf("SC_CLK_TCK")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def run_wrk(wrk: str, base: str, seconds: int, connections: int) -> dict[str, Any]:
    command = [
        *PRIORITY,
        "taskset",
        "-c",
        LOAD_CORE,
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base + PATH,
    ]
    env = dict(os.environ, BENCH_BODY=BODY, BENCH_TOKEN=TOKEN)
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=True
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH "))
    result: dict[str, Any] = json.loads(line[len("BENCH ") :])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def measure(server: Server, wrk: str, args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*PRIORITY, "taskset", "-c", SERVER_CORE, *server.command(port)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=server.env, cwd=server.cwd
        )
        try:
            wait_until_serving(base, process, time.monotonic() + 90)
            run_wrk(wrk, base, args.warmup, args.connections)
            time.sleep(1)  # let the warm-up's last requests finish before forgetting them
            server.reset(base)
            cpu_before = cpu_seconds(process.pid)
            helper_before = cpu_seconds(server.helper_pid) if server.helper_pid else 0.0
            result = run_wrk(wrk, base, args.duration, args.connections)
            result["cpu_us"] = (cpu_seconds(process.pid) - cpu_before) / result["requests"] * 1e6
            if server.helper_pid:
                helper = cpu_seconds(server.helper_pid) - helper_before
                result["helper_cpu_us"] = helper / result["requests"] * 1e6
            problems = verify(server, base, result)
        except (OSError, RuntimeError, subprocess.SubprocessError):
            log.seek(0)
            print(log.read()[-4000:].decode(errors="replace"), file=sys.stderr)
            raise
        finally:
            stop(process)
    result["problems"] = problems
    return result


def verify(server: Server, base: str, result: dict[str, Any]) -> list[str]:
    problems = []
    statuses = {int(status): n for status, n in result["statuses"].items()}
    created = statuses.get(201, 0)
    others = {status: n for status, n in statuses.items() if status != 201}
    if others:
        problems.append(f"non-201 responses: {others}")
    if result["wrong_bodies"]:
        problems.append(f"{result['wrong_bodies']} 201 bodies without the subject or an id")
    errors = {kind: n for kind, n in result["errors"].items() if n and kind != "status"}
    if errors:
        problems.append(f"socket errors: {errors}")
    # wrk stops with one request in flight per connection: the server may have stored
    # those contacts without wrk reading their 201s. So: 201s <= stored <= sent.
    stored = server.created(base)
    if stored is not None:
        result["stored"] = stored
        if not created <= stored <= result["sent"]:
            problems.append(f"server stored {stored}, wrk saw {created} 201s of {result['sent']}")
        problem = server.check(base, stored)
        if problem:
            problems.append(problem)
    return problems


def report(results: dict[str, list[dict[str, Any]]]) -> None:
    print()
    print(f"{'server':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11}  (medians)")
    medians: dict[str, dict[str, float]] = {}
    for name, runs in results.items():
        medians[name] = {
            "cpu": statistics.median(r["cpu_us"] for r in runs),
            "rps": statistics.median(r["rps"] for r in runs),
            "p50": statistics.median(r["p50_us"] for r in runs) / 1000,
            "p99": statistics.median(r["p99_us"] for r in runs) / 1000,
        }
        m = medians[name]
        helper = [r["helper_cpu_us"] for r in runs if "helper_cpu_us" in r]
        redis = f", Redis {statistics.median(helper):.0f} us/req" if helper else ""
        print(
            f"{name:10} {m['rps']:9.0f} {m['p50']:8.2f} {m['p99']:8.2f} {m['cpu']:11.0f}"
            f"  ({len(runs)} runs{redis})"
        )
    print()
    mock, prism, bare, before, redis = (
        medians.get(n) for n in ("mock", "prism", "bare", "baseline", "mock-redis")
    )
    if mock and prism:
        rps_ratio, p99_ratio = mock["rps"] / prism["rps"], mock["p99"] / prism["p99"]
        print(
            f"mock/Prism: req/s x{rps_ratio:.2f}, p99 x{p99_ratio:.2f},"
            f" CPU per request x{mock['cpu'] / prism['cpu']:.2f}"
        )
        met = rps_ratio >= 2 and mock["p99"] <= prism["p99"]
        print(f"target (>= 2x Prism's req/s, p99 <= Prism's): {'met' if met else 'NOT met'}")
    if mock and redis:
        rps_ratio, p99_ratio = redis["rps"] / mock["rps"], redis["p99"] / mock["p99"]
        print(f"mock-redis/mock: req/s x{rps_ratio:.2f}, p99 x{p99_ratio:.2f}")
    if redis and prism:
        met = redis["rps"] >= 0.5 * mock["rps"] if mock else False
        met = met and redis["p99"] <= prism["p99"]
        print(
            f"mock-redis/Prism: req/s x{redis['rps'] / prism['rps']:.2f},"
            f" p99 x{redis['p99'] / prism['p99']:.2f}"
        )
        print(
            "target (Redis store >= 50% of the memory store's req/s, p99 <= Prism's): "
            + ("met" if met else "NOT met")
        )
    if mock and bare:
        rps_ratio, p99_ratio = mock["rps"] / bare["rps"], mock["p99"] / bare["p99"]
        print(f"mock/bare:  req/s x{rps_ratio:.2f}, p99 x{p99_ratio:.2f}")
    if mock and before:
        rps_ratio, p99_ratio = mock["rps"] / before["rps"], mock["p99"] / before["p99"]
        print(f"mock/baseline: req/s x{rps_ratio:.2f}, p99 x{p99_ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run servers and wrk at this nice level (e.g. -10 on a busy machine, as root)",
    )
    parser.add_argument(
        "--only", action="append", choices=[*sorted(SERVERS), "mock-redis"], help="repeatable"
    )
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also run the mock from this source tree, e.g. `git archive OLD | tar -x -C DIR`",
    )
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("needs two cores: one for the server, one for wrk")
    if args.nice:
        if os.geteuid() != 0 and args.nice < 0:
            sys.exit("--nice below 0 needs root")
        PRIORITY.extend(["nice", "-n", str(args.nice)])
    wrk = ensure_debian("wrk", "wrk")
    names = args.only or ["mock", "mock-redis", "prism", "bare"]
    if args.baseline:
        SERVERS["baseline"] = baseline(args.baseline)
        names.append("baseline")
    if "prism" in names:
        ensure_prism()
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start, nice {args.nice}",
        flush=True,
    )
    with ExitStack() as stack:
        if "mock-redis" in names:
            redis_server = ensure_debian("redis-server", "redis-server")
            SERVERS["mock-redis"] = with_redis(*stack.enter_context(running_redis(redis_server)))
        results, failed = run_rounds(names, wrk, args)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    report(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if failed:
        sys.exit("some responses were wrong (see above)")


def run_rounds(
    names: list[str], wrk: str, args: argparse.Namespace
) -> tuple[dict[str, list[dict[str, Any]]], bool]:
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    failed = False
    for round_number in range(args.rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            result = measure(SERVERS[name], wrk, args)
            results[name].append(result)
            status = "ok" if not result["problems"] else "; ".join(result["problems"])
            failed = failed or bool(result["problems"])
            print(
                f"round {round_number + 1} {name:10} {result['rps']:8.0f} req/s"
                f"  p50 {result['p50_us'] / 1000:7.2f} ms  p99 {result['p99_us'] / 1000:7.2f} ms"
                f"  CPU {result['cpu_us']:5.0f} us/req"
                f"  {result['statuses']}  {status}",
                flush=True,
            )
    return results, failed


if __name__ == "__main__":
    main()
