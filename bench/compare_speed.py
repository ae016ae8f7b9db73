"""What does comparing cost beside a plain suite run? Requests per second, side by side.

Against one correct mock process on a free loopback port (the backend), runs in turn,
`--repeat` times each, with the same time budget:

- `contacts-contract --max-time T` (the suite: one request per probe);
- `contacts-contract compare --max-time T` (the same probes to the embedded mock and to
  the backend: two requests per pair, and the comparison).

Prints each run's figures (the suite's requests, the comparison's pairs) and the medians:
the comparison should cost at most the second side's time, so its pairs per second
should be about half the suite's requests per second or better. Nothing is asserted: the
figures go in bench/README.md.

    python bench/compare_speed.py [--max-time 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.processes import running_mock  # noqa: E402

KEYS = ["--token", "staff-token", "--admin-token", "admin-token", "--non-staff-token", "user-token"]
SUITE_RATE = re.compile(r"Requests: (\d+) in ([\d.]+) s")
PAIRS = re.compile(r"Compared: (\d+) requests to each side in ([\d.]+) s")


def run(command: Sequence[str], pattern: re.Pattern[str]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_CONTRACT_")}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    match = pattern.search(result.stdout)
    if match is None:
        raise SystemExit(f"no figures in the output of {' '.join(command)}:\n{result.stdout}")
    count, seconds = int(match.group(1)), float(match.group(2))
    name = "compare" if "compare" in command else "suite"
    print(f"  {name:<8} {count:>6} in {seconds:5.1f} s")
    return count / seconds


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-time", default="10")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "contract_tests"]
    suite_rates, pair_rates = [], []
    with running_mock("--log-level", "warning") as backend:
        base = ["--base-url", backend.base_url, *KEYS, "--max-time", args.max_time, "--seed", "1"]
        for number in range(args.repeat):
            print(f"run {number + 1}")
            suite_rates.append(run([*cli, *base], SUITE_RATE))
            pair_rates.append(run([*cli, "compare", *base], PAIRS))
    suite, pairs = statistics.median(suite_rates), statistics.median(pair_rates)
    print(
        f"median: the suite {suite:.0f} requests/s; compare {pairs:.0f} pairs/s "
        f"({2 * pairs:.0f} requests/s over both sides); pairs/s against the suite's "
        f"requests/s: {pairs / suite:.2f}"
    )


if __name__ == "__main__":
    main()
