"""Python environments a test makes: a venv that sees everything this one has installed
(the toolkit included) plus a few packages of its own, as a user's project has other
pytest plugins beside the toolkit; and a fresh venv, as a CI job installs the toolkit.

Packages come from PyPI (or PIP_FIND_LINKS), through pip, as a user gets them; pip's
cache makes every run after the first quick."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

PIP_TIMEOUT_S = 900
ROOT = Path(__file__).resolve().parents[2]


def python_of(directory: Path) -> Path:
    return directory / "bin" / "python"


def pip_install(python: Path, *requirements: str) -> None:
    """pip (this environment's) installs into the environment of `python`."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--disable-pip-version-check", *requirements],
        capture_output=True, text=True, timeout=PIP_TIMEOUT_S, env=os.environ,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(requirements)} failed:\n{result.stderr}")


def layered_venv(directory: Path, *requirements: str) -> Path:
    """A venv at `directory` that sees every package of this environment (its
    site-packages are added, .pth files and editable installs included, after the venv's
    own), with `requirements` installed into it; its python. pip sees what is already
    there, so only what is missing is installed."""
    venv.create(directory, with_pip=False, clear=True)
    python = python_of(directory)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    parents = [path for path in site.getsitepackages() if Path(path).is_dir()]
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in parents)
    (Path(purelib) / "_parent_environment.pth").write_text(lines)
    if requirements:
        pip_install(python, *requirements)
    return python


def fresh_venv(directory: Path) -> Path:
    """A venv with nothing installed but pip; its python."""
    venv.create(directory, with_pip=True, clear=True)
    return python_of(directory)


def build_wheel(out: Path, source: Path = ROOT) -> Path:
    """The toolkit's wheel, built from `source` into `out` as its README says."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=PIP_TIMEOUT_S,
    )  # fmt: skip
    (built,) = out.glob("contacts_api_toolkit-*.whl")
    return built
