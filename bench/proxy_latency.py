"""The validating proxy's added latency and throughput, beside Prism's proxy mode.

    python bench/proxy_latency.py [--rounds 3] [--duration 10] [--connections 1 --connections 32]

The same upstream, `contacts-mock`, is measured three ways in one run: directly, through
`contacts-contract proxy` (every exchange judged by the contract suite's oracle and all
its checks) and through `prism proxy spec/openapi.yaml UPSTREAM` (Prism validates the
request and the response against the spec). A fresh mock starts for each measured run,
pinned with wrk to core 1; the proxy runs alone on core 0. wrk POSTs the document's
example body with a staff token (bench/post_contact.lua), 3 s of warm-up then the measured
run, at each number of connections: 1 connection shows the latency a proxy adds to one
request, 32 show it under load, where a slower proxy queues requests. Rounds are
interleaved and medians reported; added latency is a proxy's median minus the direct one.

Every run is checked: only 201s with the subject echoed and an id, and for our proxy, that
it judged at least as many exchanges as wrk saw answers and found no violation.

Installs what is missing: Prism into bench/.prism/ (npm, git-ignored) and wrk (apt-get).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The same helpers, wrk script, pinning and priority as the mock's throughput benchmark.
import mock_throughput as bench

PROXY_CORE, UPSTREAM_CORE = "0", "1"


def _contract_proxy(port: int, upstream: str) -> list[str]:
    executable = Path(sys.executable).parent / "contacts-contract"
    return [
        str(executable),
        "proxy",
        "--upstream",
        upstream,
        "--port",
        str(port),
        "--token",
        f"{bench.TOKEN}=staff",
        "--log-level",
        "warning",
    ]


def _prism_proxy(port: int, upstream: str) -> list[str]:
    # Quiet logging (-v error), as for Prism's mock: logging every request slows it down.
    command = [str(bench.PRISM), "proxy", str(bench.SPEC), upstream]
    return [*command, "-h", "127.0.0.1", "-p", str(port), "-v", "error"]


def _judged_everything(base: str, answered: int) -> str | None:
    seen = bench.http("GET", base + "/__proxy__/violations")
    if seen["violations"]:
        return f"violations found: {seen['violations'][:3]}"
    if seen["exchanges"] < answered:
        return f"judged {seen['exchanges']} exchanges, wrk saw {answered} answers"
    return None


@dataclass(frozen=True)
class Target:
    """How wrk reaches the upstream: directly, or through a proxy started on core 0."""

    name: str
    proxy: Callable[[int, str], list[str]] | None
    check: Callable[[str, int], str | None] = lambda base, answered: None


TARGETS = {
    "direct": Target("direct", None),
    "contract": Target("contract", _contract_proxy, _judged_everything),
    "prism": Target("prism", _prism_proxy),
}


def start(command: list[str], core: str, stack: ExitStack) -> subprocess.Popen[bytes]:
    log = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (closed by the stack)
    process = subprocess.Popen(
        [*bench.PRIORITY, "taskset", "-c", core, *command], stdout=log, stderr=subprocess.STDOUT
    )
    stack.callback(bench.stop, process)
    stack.callback(_show_log_on_error, log, process)
    return process


def _show_log_on_error(log: Any, process: subprocess.Popen[bytes]) -> None:
    if process.poll() not in (None, 0, -15):
        log.seek(0)
        print(log.read()[-4000:].decode(errors="replace"), file=sys.stderr)


def measure(target: Target, connections: int, wrk: str, args: argparse.Namespace) -> dict[str, Any]:
    with ExitStack() as stack:
        upstream_port = bench.free_port()
        upstream = f"http://127.0.0.1:{upstream_port}"
        mock = start(bench.SERVERS["mock"].command(upstream_port), UPSTREAM_CORE, stack)
        bench.wait_until_serving(upstream, mock, time.monotonic() + 90)
        base, measured = upstream, mock
        if target.proxy is not None:
            port = bench.free_port()
            base = f"http://127.0.0.1:{port}"
            measured = start(target.proxy(port, upstream), PROXY_CORE, stack)
            bench.wait_until_serving(base, measured, time.monotonic() + 90)
        bench.run_wrk(wrk, base, args.warmup, connections)
        cpu_before = bench.cpu_seconds(measured.pid)
        result = bench.run_wrk(wrk, base, args.duration, connections)
        result["cpu_us"] = (bench.cpu_seconds(measured.pid) - cpu_before) / result["requests"] * 1e6
        statuses = {int(status): n for status, n in result["statuses"].items()}
        problems = []
        if set(statuses) != {201}:
            problems.append(f"statuses {statuses}")
        if result["wrong_bodies"]:
            problems.append(f"{result['wrong_bodies']} 201 bodies without the subject or an id")
        problem = target.check(base, statuses.get(201, 0))
        if problem:
            problems.append(problem)
        result["problems"] = problems
        return result


def report(results: dict[tuple[str, int], list[dict[str, Any]]], levels: list[int]) -> None:
    print()
    for connections in levels:
        print(f"{connections} connection(s), medians:")
        print(
            f"  {'target':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'+p50 ms':>8} {'+p99 ms':>8} {'CPU us/req':>11}"
        )
        medians = {
            name: {
                key: statistics.median(run[key] for run in runs)
                for key in ("rps", "p50_us", "p99_us", "cpu_us")
            }
            for (name, level), runs in results.items()
            if level == connections
        }
        direct = medians.get("direct")
        for name, m in medians.items():
            added = (
                f"{(m['p50_us'] - direct['p50_us']) / 1000:8.2f} "
                f"{(m['p99_us'] - direct['p99_us']) / 1000:8.2f}"
                if direct and name != "direct"
                else f"{'':8} {'':8}"
            )
            print(
                f"  {name:9} {m['rps']:8.0f} {m['p50_us'] / 1000:8.2f} {m['p99_us'] / 1000:8.2f} "
                f"{added} {m['cpu_us']:11.0f}"
            )
        ours, prism = medians.get("contract"), medians.get("prism")
        if ours and prism and direct:
            added_ours = ours["p99_us"] - direct["p99_us"]
            added_prism = prism["p99_us"] - direct["p99_us"]
            met = added_ours < added_prism
            print(
                f"  contract/Prism: req/s x{ours['rps'] / prism['rps']:.2f}, "
                f"added p99 x{added_ours / added_prism:.2f}, "
                f"CPU per request x{ours['cpu_us'] / prism['cpu_us']:.2f}; "
                f"target (less added p99 than Prism): {'met' if met else 'NOT met'}"
            )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per run")
    parser.add_argument(
        "--connections", type=int, action="append", help="repeatable (default: 1 and 32)"
    )
    parser.add_argument("--nice", type=int, default=0, help="as for mock_throughput.py (root)")
    parser.add_argument("--only", action="append", choices=sorted(TARGETS), help="repeatable")
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("needs two cores: one for the proxy, one for the upstream and wrk")
    if args.nice:
        if os.geteuid() != 0 and args.nice < 0:
            sys.exit("--nice below 0 needs root")
        bench.PRIORITY.extend(["nice", "-n", str(args.nice)])
    wrk = bench.ensure_wrk()
    names = args.only or list(TARGETS)
    if "prism" in names:
        bench.ensure_prism()
    levels = args.connections or [1, 32]
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start, nice {args.nice}",
        flush=True,
    )
    results: dict[tuple[str, int], list[dict[str, Any]]] = {}
    failed = False
    for round_number in range(args.rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for connections in levels:
            for name in order:
                result = measure(TARGETS[name], connections, wrk, args)
                results.setdefault((name, connections), []).append(result)
                failed = failed or bool(result["problems"])
                print(
                    f"round {round_number + 1} c{connections:<3} {name:8} {result['rps']:7.0f} req/s"
                    f"  p50 {result['p50_us'] / 1000:6.2f} ms  p99 {result['p99_us'] / 1000:6.2f} ms"
                    f"  CPU {result['cpu_us']:5.0f} us/req"
                    f"  {'; '.join(result['problems']) or 'ok'}",
                    flush=True,
                )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    report(results, levels)
    if args.json:
        rows = {f"{name} c{level}": runs for (name, level), runs in results.items()}
        args.json.write_text(json.dumps(rows, indent=2))
    if failed:
        sys.exit("some runs went wrong (see above)")


if __name__ == "__main__":
    main()
