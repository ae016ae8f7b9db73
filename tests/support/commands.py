"""The toolkit's command lines as tests run them, and hand-written case files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from contacts_core.spec import operation

OPERATION = operation()
TIMEOUT = 300


def contract(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_CONTRACT_")}
    return subprocess.run(
        [sys.executable, "-m", "contract_tests", *args],
        env={**clean, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def case_line(label: str, body: Any, credential: str = "staff", **fields: Any) -> str:
    value = {
        "label": label,
        "source": "hand-written",
        "method": OPERATION.method,
        "path": OPERATION.path,
        "content_type": "application/json",
        "credential": credential,
        "body": body if isinstance(body, str) else json.dumps(body),
        **fields,
    }
    return json.dumps(value)


def write_lines(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


def said(result: subprocess.CompletedProcess[str]) -> str:
    """What a command printed, for an assertion's message: the end of each stream."""
    return f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-3000:]}"
