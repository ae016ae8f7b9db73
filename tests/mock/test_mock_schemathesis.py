"""Schemathesis' own CLI, every built-in check, positive and negative data, finds nothing,
on either store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from contacts_core.spec import spec_path
from tests.support.commands import said
from tests.support.mocks import STORES, store_args
from tests.support.processes import running_mock

pytestmark = pytest.mark.process

ST = str(Path(sys.executable).parent / "st")


@pytest.mark.slow
# Each store once, and each permitted role once: the store does not change what a role
# may do, which the contract suite's own tests check on both stores.
@pytest.mark.parametrize(
    ("store", "token"),
    list(zip(STORES, ["staff-token", "admin-token"], strict=True)),
    indirect=["store"],
)
def test_schemathesis_finds_no_failure(token: str, store: dict[str, Any]) -> None:
    with running_mock("--log-level", "warning", *store_args(store)) as mock:
        result = subprocess.run(
            [ST, "run", str(spec_path()), "--url", mock.base_url,
             "--checks", "all", "--mode", "all", "--max-examples", "150", "--seed", "20261126",
             "--header", f"Authorization: Token {token}", "--request-timeout", "10",
             "--no-color"],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert result.returncode == 0, said(result)
    assert "No issues found" in result.stdout
