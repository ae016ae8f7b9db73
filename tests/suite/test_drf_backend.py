"""The suite and the comparison against a real Django REST Framework backend of the
contract (tests/support/drf_backend), not only against the mock: no false alarm from the
suite on a correct backend, a failure on the same backend left to DRF's defaults where the
decisions differ, and every difference the comparison names one the spec leaves open or
where the two legitimately word things otherwise."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from contract_tests.checks import CHECKS
from tests.support.commands import contract, said
from tests.support.processes import MockProcess, running_drf_backend

pytestmark = [pytest.mark.slow, pytest.mark.process]

# The keys the fixture gives its staff user, superuser and plain user: the mock's defaults.
KEYS = ("--token", "staff-token", "--admin-token", "admin-token", "--non-staff-token", "user-token")
SEED = "20261203"

# Every difference the comparison may name, by kind: (family, what its message matches).
# Each is a place where the spec leaves the answer open, or where the wording is each
# side's own; none is a status or a value.
FAMILIES = {
    "headers": {
        # DRF's APIView sends Allow on every answer; the spec asks for it on 405 only and
        # says nothing of the others. (The body limit's 413 comes before the view: none.)
        "allow on every answer": re.compile(r'only the backend sends allow: "POST, OPTIONS"'),
        # On a 405 to another method both send Allow; DRF's also names the OPTIONS it
        # serves itself, which the spec leaves open.
        "allow with OPTIONS": re.compile(r'"allow" is "POST" on the mock, "POST, OPTIONS" on '),
    },
    "shape": {
        # An empty body: DRF reads no body as no data ({}, so "subject" is required), the
        # mock as malformed JSON ("detail"). Both 400; the spec's 400 is either shape.
        "empty body": re.compile(r'only the mock sends "detail"; only the backend sends "subject"'),
    },
    "texts": {
        # Each side's JSON parser words its own errors (empty, NaN, bytes not UTF-8).
        "JSON parse errors": re.compile(
            r'"detail" is "JSON parse error - .*" on the mock, "JSON parse error - .*'
        ),
        # No Content-Type: Django's WSGI server (wsgiref) fills in text/plain, which DRF
        # names in its 415; the mock names the empty type it got.
        "missing media type": re.compile(
            r'"detail" is "Unsupported media type \\"\\" in request\." on the mock, '
            r'"Unsupported media type \\"text/plain\\" in request\." on the backend'
        ),
        # DRF runs every validator of a field and lists every message (too long and a NUL,
        # say); the mock gives the first. The backend's list starts with the mock's.
        "every validator's message": re.compile(
            r'"\w+" is \[(?P<mock>.+)\] on the mock, \[(?P=mock), .+ on the backend'
        ),
        # DRF's EmailField words a value that is not a string as an invalid address.
        "email not a string": re.compile(
            r'"email" is \["Not a valid string\."\] on the mock, '
            r'\["Enter a valid email address\."\] on the backend'
        ),
        # A JSON null: DRF says "No data provided"; the mock words it as other non-objects.
        "null body": re.compile(
            r'"non_field_errors" is \["Invalid data\. Expected a dictionary, but got null\."\] '
            r'on the mock, \["No data provided"\] on the backend'
        ),
    },
}
_SECTION = re.compile(r"^### `(\w+)`$")
_ITEM = re.compile(r"^- \*\*(.+)\*\*$")


@pytest.fixture(scope="module")
def drf() -> Iterator[MockProcess]:
    with running_drf_backend() as backend:
        yield backend


def differences(report: str) -> dict[str, list[str]]:
    """The distinct differences of a markdown report, by kind."""
    found: dict[str, list[str]] = {}
    kind = None
    for line in report.splitlines():
        if section := _SECTION.match(line):
            kind = section.group(1)
        elif (item := _ITEM.match(line)) and kind is not None:
            found.setdefault(kind, []).append(item.group(1))
    return found


def family(kind: str, message: str) -> str | None:
    return next(
        (name for name, pattern in FAMILIES.get(kind, {}).items() if pattern.search(message)),
        None,
    )


def test_the_suite_finds_the_drf_backend_correct(drf: MockProcess, tmp_path: Path) -> None:
    report = tmp_path / "suite.md"
    budget = ["--max-time", "15", "--seed", SEED, "--report", str(report)]
    result = contract("--base-url", drf.base_url, *KEYS, *budget)
    assert result.returncode == 0, said(result)
    assert f"0 failed, 0 not run of {len(CHECKS)} checks; no warnings" in result.stdout
    assert "## Failures" not in report.read_text()


def test_the_suite_fails_drf_defaults_where_the_decisions_differ(tmp_path: Path) -> None:
    report = tmp_path / "stock.md"
    # The fixed examples alone (they always run whole) send every rule the defaults break.
    budget = ["--max-time", "1", "--seed", SEED, "--report", str(report)]
    with running_drf_backend("--drf-defaults") as stock:
        result = contract("--base-url", stock.base_url, *KEYS, *budget)
    assert result.returncode == 1, said(result)
    failed = {line.split()[1] for line in result.stdout.splitlines() if "FAILED" in line}
    # An address Django's EmailValidator takes and the pattern does not: accepted (a
    # rejection failure) and echoed in a 201 the schema refuses.
    assert failed == {"echo", "negative_data_rejection", "response_schema_conformance"}
    text = report.read_text()
    assert '"subject" came back as "Grüße, Zoë — 東京 🎉"; "  Grüße' in text  # trimmed
    assert '(subject: 1 is not of type "string") got 201' in text  # a number taken as text
    assert "('EMAIL' was unexpected)) got 201" in text  # an unknown property ignored
    assert "(the body is over 1048576 bytes) got 400, not 413" in text
    assert (
        "(email: \"a@localhost\" is not valid under any of the schemas listed in the 'anyOf' keyword) got 201"
        in text
    )


def test_the_comparison_names_only_what_the_spec_leaves_open(
    drf: MockProcess, tmp_path: Path
) -> None:
    report = tmp_path / "compare.md"
    # Every kind fails the run, so that every difference is in the report.
    every_kind = ["--fail-on", "status,shape,values,headers,texts"]
    budget = ["--max-time", "10", "--seed", SEED, "--report", str(report)]
    result = contract("compare", "--base-url", drf.base_url, *KEYS, *every_kind, *budget)
    assert result.returncode == 1, said(result)
    assert report.exists(), said(result)
    found = differences(report.read_text())
    # Never a status or a value, and every difference explained below FAMILIES.
    assert set(found) == set(FAMILIES), found.keys()
    unexplained = [(k, m) for k, ms in found.items() for m in ms if family(k, m) is None]
    assert unexplained == []
    seen = {(k, family(k, m)) for k, ms in found.items() for m in ms}
    assert seen == {(k, name) for k, names in FAMILIES.items() for name in names}
