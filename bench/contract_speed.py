"""How fast is the contract suite? Its default run, beside Schemathesis' own `st run`.

Starts contacts-mock on a free loopback port and times, a few times each:

- `contacts-contract` as a user first types it (no --base-url: the embedded mock);
- `contacts-contract --base-url` against the mock process, with all three keys;
- `st run` against the same mock process: the same spec, the same examples budget,
  every Schemathesis check.

Prints the medians (wall time, requests or test cases, per second) and the ratios.
Nothing is asserted: the figures go in bench/README.md.

    python bench/contract_speed.py [--repeat 3] [--max-examples N]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contract_tests.config import Config  # noqa: E402
from tests.processes import running_mock  # noqa: E402

SPEC = ROOT / "spec" / "openapi.yaml"
BIN = Path(sys.executable).parent
KEYS = ["--token", "staff-token", "--admin-token", "admin-token", "--non-staff-token", "user-token"]


def timed(command: Sequence[str], cwd: Path) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_CONTRACT_")}
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return time.perf_counter() - started, result.stdout + result.stderr


def count(pattern: str, output: str) -> int:
    match = re.search(pattern, output)
    return int(match.group(1)) if match else 0


def median_run(
    name: str, command: list[str], pattern: str, repeat: int, cwd: Path
) -> dict[str, float]:
    walls, counts = [], []
    for _ in range(repeat):
        wall, output = timed(command, cwd)
        walls.append(wall)
        counts.append(count(pattern, output))
        print(f"  {name}: {wall:.1f} s, {counts[-1]}", flush=True)
    wall, n = statistics.median(walls), statistics.median(counts)
    return {"wall": wall, "count": n, "rate": n / wall if wall else 0.0}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=Config().max_examples)
    parser.add_argument("--seed", default="1")
    args = parser.parse_args(argv)
    n, seed = str(args.max_examples), args.seed
    contract = [str(BIN / "contacts-contract"), "--max-examples", n, "--seed", seed]
    requests = r"(\d+) requests in"
    print(f"max examples {n}, seed {seed}, {args.repeat} repetitions, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as scratch, running_mock() as mock:
        url = mock.base_url
        cwd = Path(scratch)  # st run writes a .schemathesis directory where it runs
        rows = {
            "contacts-contract (default run, embedded mock)": median_run(
                "default", contract, requests, args.repeat, cwd
            ),
            "contacts-contract --base-url (mock process)": median_run(
                "base-url", [*contract, "--base-url", url, *KEYS], requests, args.repeat, cwd
            ),
            "st run --checks all (mock process)": median_run(
                "st run",
                [
                    str(BIN / "st"), "run", str(SPEC), "--url", url,
                    "-H", "Authorization: Token staff-token",
                    "--checks", "all", "--max-examples", n, "--seed", seed,
                ],
                r"(\d+) generated",
                args.repeat,
                cwd,
            ),
        }  # fmt: skip
    print()
    print(f"{'run':<48} {'wall s':>7} {'requests':>9} {'per s':>7}")
    for name, row in rows.items():
        print(f"{name:<48} {row['wall']:>7.1f} {row['count']:>9.0f} {row['rate']:>7.0f}")
    ours = rows["contacts-contract --base-url (mock process)"]
    theirs = rows["st run --checks all (mock process)"]
    print()
    print(f"contacts-contract / st run, wall time:        {ours['wall'] / theirs['wall']:.2f}")
    print(f"contacts-contract / st run, requests per s:   {ours['rate'] / theirs['rate']:.2f}")
    print(f"contacts-contract / st run, requests sent:    {ours['count'] / theirs['count']:.2f}")
    print("(st run counts test cases, its own checks may send a few more requests)")


if __name__ == "__main__":
    main()
