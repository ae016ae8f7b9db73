"""Input coverage is a measured property of every run: the contract's input space as a
table read from the spec, every cell of it exercised by the fixed examples alone (so no
budget and no re-weighting can drop a family), reported in the console, the report and
JUnit, and a gate of its own with --fail-under-coverage."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests import phases
from contract_tests.config import Config
from contract_tests.contract import contract
from contract_tests.coverage import Cell, table
from contract_tests.engine import Engine
from contract_tests.model import Keys
from contract_tests.outcome import FIXED
from mock_server.embedded import EmbeddedMock
from mock_server.settings import Settings
from tests.support.commands import contract as contract_command
from tests.support.commands import said

pytestmark = pytest.mark.process

KEYS = Keys("staff-token", "admin-token", "user-token")


@pytest.fixture(scope="module")
def mock() -> Iterator[EmbeddedMock]:
    with EmbeddedMock() as served:
        yield served


def test_the_table_is_read_from_the_spec() -> None:
    c = contract()
    cells = table(c, KEYS)
    assert len(cells) == len(set(cells))
    for f in c.fields.values():
        assert (
            Cell(f"field {f.name}", f"one over its maximum length ({f.max_length + 1} characters)")
            in cells
        )
    limit = c.max_body_bytes
    assert Cell("limit", f"a valid body of exactly {limit} bytes") in cells
    assert {cell.name for cell in cells if cell.family == "status"} == {
        f"{code} expected" for code in c.statuses if code < 500
    }
    # A cell that needs a key not given is not in the table.
    assert Cell("status", "403 expected") not in table(c, Keys("staff-token"))


def test_the_fixed_examples_alone_exercise_every_cell(mock: EmbeddedMock) -> None:
    engine = Engine(Config(base_url=mock.url, token="staff-token", seed=1), mock.url, KEYS)
    engine.run_whole(next(p for p in phases.WHOLE if p.name == FIXED))
    summary = engine.coverage.summary()
    assert summary.missed == (), summary.line(50)
    assert summary.covered == len(table(contract(), KEYS))


def test_a_one_second_budget_still_covers_every_cell_and_says_so(
    mock: EmbeddedMock, tmp_path: Path
) -> None:
    junit, report = tmp_path / "junit.xml", tmp_path / "report.md"
    result = contract_command(
        "--base-url", mock.url, "--token", "staff-token", "--admin-token", "admin-token",
        "--non-staff-token", "user-token", "--max-time", "1", "--junit-xml", str(junit),
        "--report", str(report), "--fail-under-coverage", "100",
    )  # fmt: skip
    assert result.returncode == 0, said(result)
    total = len(table(contract(), KEYS))
    assert f"input coverage {total}/{total} cells (100%)" in result.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties["input_coverage"] == f"{total}/{total}"
    text = report.read_text()
    assert "## Input coverage" in text
    assert text.count("\n| field subject |") >= 10
    assert "**not sent**" not in text


def test_fail_under_coverage_fails_a_run_that_sends_too_little(
    mock: EmbeddedMock, tmp_path: Path
) -> None:
    cases = tmp_path / "one.jsonl"
    cases.write_text(
        '{"label": "one", "source": "hand-written", "method": "POST", "path": "/api/contacts/", '
        '"content_type": "application/json", "credential": "staff", "body": "{\\"subject\\": \\"x\\"}"}\n'
    )
    result = contract_command(
        "--base-url", mock.url, "--token", "staff-token", "--cases", str(cases), "--cases-only",
        "--fail-under-coverage", "50",
    )  # fmt: skip
    assert result.returncode == 1, said(result)
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("the gate fails: input coverage ")
    assert "is under --fail-under-coverage 50" in last


def test_a_heading_path_warned_of_is_still_covered_and_passes_the_coverage_gate(
    tmp_path: Path,
) -> None:
    # The contract does not require the heading path to be served: a backend that
    # redirects it gets a warning, never a failing gate through its coverage.
    with EmbeddedMock(Settings(fault="heading-path-redirect")) as redirecting:
        result = contract_command(
            "--base-url", redirecting.url, "--token", "staff-token", "--max-time", "1",
            "--fail-under-coverage", "100",
        )  # fmt: skip
    assert result.returncode == 0, said(result)
    total = len(table(contract(), Keys("staff-token")))
    assert f"input coverage {total}/{total} cells (100%)" in result.stdout
    assert "heading_path_served" in result.stdout
