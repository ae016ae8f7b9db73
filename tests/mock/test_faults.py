"""contacts-mock --fault and --list-faults."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from mock_server import faults
from tests.support.processes import running_mock

pytestmark = pytest.mark.process


def contacts_mock(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mock_server", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_list_faults_prints_the_catalogue() -> None:
    result = contacts_mock("--list-faults")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(faults.catalogue()) >= 15
    for line, fault in zip(lines, faults.catalogue().values(), strict=True):
        assert line.startswith(fault.name + " ")
        assert line.endswith(f"{fault.description} [{faults.caught(fault)}]")


@pytest.mark.slow
def test_unknown_fault_is_a_one_line_usage_error() -> None:
    given, from_environment = (
        contacts_mock("--fault", "nope"),
        contacts_mock(env={"CONTACTS_MOCK_FAULT": "nope"}),
    )
    for result, source in ((given, "--fault"), (from_environment, "CONTACTS_MOCK_FAULT")):
        assert result.returncode == 2
        assert result.stderr.strip() == (
            f"contacts-mock: error: {source}: unknown fault 'nope'; --list-faults lists them"
        )


def test_fault_from_the_environment_is_served() -> None:
    with running_mock(env={"CONTACTS_MOCK_FAULT": "status-200"}) as mock:
        url = mock.base_url
        answer = requests.post(
            url + "/api/contacts/",
            json={"subject": "x"},
            headers={"Authorization": "Token staff-token"},
            timeout=10,
        )
    assert answer.status_code == 200
    assert answer.json()["subject"] == "x"
