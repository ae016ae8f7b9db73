"""What installing the toolkit costs every pytest run in its environment.

Once the toolkit is installed, its pytest plugin (the `pytest11` entry point
`contacts-contract`) is loaded by every pytest run there, and so is Schemathesis' own
plugin (`schemathesis`), which comes with it. This runs a one-line unrelated test in a
fresh temporary directory, side by side, several times each, the variants interleaved
so that a busy machine slows them alike:

- all plugins as installed;
- `-p no:contacts-contract` (this toolkit's plugin off);
- `-p no:schemathesis` (Schemathesis' plugin off);
- both off;
- PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 (no entry-point plugin at all: pytest alone).

It prints each variant's median wall time, what each plugin adds (beside the other, and
alone) as a difference and a ratio; then what importing each plugin module takes,
pytest already imported (`python -X importtime`). With PYTHONPATH naming another checkout
of the toolkit, it measures that one's plugin (the runs inherit PYTHONPATH). Nothing is asserted: the figures go in
bench/README.md (target: the toolkit's plugin adds under 0.2 s).

    python bench/plugin_overhead.py [--runs 15]
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
from pathlib import Path

VARIANTS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "all plugins": ((), {}),
    "-p no:contacts-contract": (("-p", "no:contacts-contract"), {}),
    "-p no:schemathesis": (("-p", "no:schemathesis"), {}),
    "both off": (("-p", "no:contacts-contract", "-p", "no:schemathesis"), {}),
    "autoload off": ((), {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}),
}
TEST = "def test_one():\n    assert 1 + 1 == 2\n"
SCHEMATHESIS = "schemathesis.pytest.plugin"


def run(directory: Path, args: tuple[str, ...], extra: dict[str, str]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTACTS_", "PYTEST_"))}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, "test_one.py"]
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=directory, env={**env, **extra}, capture_output=True, text=True, timeout=120
    )
    wall = time.perf_counter() - started
    if result.returncode != 0 or "1 passed" not in result.stdout:
        raise SystemExit(
            f"plugin_overhead: {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
        )
    return wall


def import_time(module: str, directory: Path) -> float:
    """Seconds `import module` takes in a fresh interpreter that has pytest already (as a
    pytest run has), by -X importtime; run in `directory`, so that a checkout's own
    packages (the current directory comes first on sys.path) do not stand in."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import pytest; import {module}"],
        cwd=directory, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    last = [line for line in result.stderr.splitlines() if re.search(rf"\| {module}$", line)]
    return int(last[-1].split("|")[1]) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each variant")
    runs = parser.parse_args().runs
    walls: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        (directory / "test_one.py").write_text(TEST)
        for args, extra in VARIANTS.values():
            run(directory, args, extra)  # warm the file cache once
        for _ in range(runs):
            for name, (args, extra) in VARIANTS.items():
                walls[name].append(run(directory, args, extra))
        imports = {m: import_time(m, directory) for m in ("contract_tests.plugin", SCHEMATHESIS)}
    medians = {name: statistics.median(times) for name, times in walls.items()}
    print(f"a one-line test, median of {runs} runs each (wall time, seconds):")
    for name, median in medians.items():
        spread = f"{min(walls[name]):.2f}-{max(walls[name]):.2f}"
        print(f"  {name:<26} {median:6.2f}   (range {spread})")
    print()
    # The two plugins share imports (the spec, Hypothesis): whichever loads first pays
    # for them. So each is measured both ways: beside the other, and alone.
    for name, on, off in (
        ("contacts-contract's plugin", "all plugins", "-p no:contacts-contract"),
        ("contacts-contract's plugin alone", "-p no:schemathesis", "both off"),
        ("Schemathesis' plugin", "all plugins", "-p no:schemathesis"),
        ("Schemathesis' plugin alone", "-p no:contacts-contract", "both off"),
        ("every entry-point plugin", "all plugins", "autoload off"),
    ):
        added, ratio = medians[on] - medians[off], medians[on] / medians[off]
        print(f"  {name:<34} {added:+.2f} s  ({ratio:.2f}x: {on} against {off})")
    print()
    for module, seconds in imports.items():
        print(f"import {module}: {seconds:.3f} s (pytest already imported)")


if __name__ == "__main__":
    main()
