"""A frontend session recorded end to end: the example page in Chromium against
`contacts-mock --record` gives cases that replay against any backend, as pytest tests.
A backend that trims what users type fails them on echo; the correct mock passes."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from contacts_core import cases
from mock_server.settings import DEFAULT_TOKENS
from tests.e2e.test_contact_form import open_form, submit
from tests.support.commands import said
from tests.support.processes import run_pytest, running_mock

pytestmark = pytest.mark.process


def test_a_recorded_frontend_session_replays_as_regression_cases(
    page: Page, page_origin: str, tmp_path: Path
) -> None:
    recording = tmp_path / "contract-cases" / "session.jsonl"
    with running_mock("--record", str(recording), "--log-level", "warning") as mock:
        open_form(page, page_origin, mock.base_url)
        # What users type: surrounding spaces, Unicode.
        page.get_by_label("Subject").fill("  Hello from the form ")
        page.get_by_label("First name").fill("Zoë")
        assert "id" in submit(page)
        page.get_by_label("Subject").fill("")
        assert submit(page) == {"subject": ["This field may not be blank."]}
        page.get_by_label("Token").fill("no-such-token")
        assert "detail" in submit(page)
        # A simulated error never reaches what a backend would do: not recorded.
        page.get_by_label("Token").fill("staff-token")
        page.get_by_label("Simulate a response").select_option("code=500")
        submit(page)
        expect(page.locator("#status")).to_have_attribute("data-state", "server-error")

    recorded = cases.load_all([recording])
    assert [(c.source, c.credential) for c in recorded] == [
        ("mock", "staff"),
        ("mock", "staff"),
        ("mock", "unknown-key"),
    ]
    assert b'"subject":"  Hello from the form "' in recorded[0].body
    text = recording.read_text()
    assert not [key for key in DEFAULT_TOKENS if key in text]

    with running_mock("--fault", "trimmed-strings") as faulty:
        replayed = run_pytest(tmp_path, "contract-cases", "--base-url", faulty.base_url,
                              "--token", "staff-token")  # fmt: skip
    assert replayed.returncode == 1, said(replayed)
    assert "1 failed, 2 passed" in replayed.stdout
    assert 'echo: "subject" came back as "Hello from the form"' in replayed.stdout
    assert "contract-cases/session.jsonl:1" in replayed.stdout

    with running_mock() as correct:
        replayed = run_pytest(tmp_path, "contract-cases", "--base-url", correct.base_url,
                              "--token", "staff-token")  # fmt: skip
    assert replayed.returncode == 0, said(replayed)
    assert "3 passed" in replayed.stdout
