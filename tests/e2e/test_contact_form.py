"""examples/contact-form against a real contacts-mock, from another origin, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from contacts_core.spec import operation
from tests.e2e.conftest import MockApi, NetworkLog
from tests.support.processes import running_mock

pytestmark = pytest.mark.process

CONTRACT = operation()


def open_form(page: Page, page_origin: str, api: str) -> None:
    page.goto(f"{page_origin}/?api={api}")
    expect(page.locator("#api")).to_have_value(api)


def shown(value: Any) -> str:
    """How the page writes a contact's value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def test_creates_a_contact_across_origins(
    page: Page, page_origin: str, mock_api: MockApi, network: NetworkLog
) -> None:
    open_form(page, page_origin, mock_api.url)
    expect(page.locator("#token")).to_have_value("staff-token")
    for name, value in CONTRACT.request_example.items():
        page.locator(f"#{name}").fill(value)
    page.get_by_role("button", name="Create contact").click()

    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("#status")).to_have_attribute("data-state", "created")
    (stored,) = mock_api.contacts()
    for name, value in CONTRACT.request_example.items():
        assert stored[name] == value
    cells = page.locator("#result dd")
    on_page = {
        cells.nth(i).get_attribute("data-field"): cells.nth(i).inner_text()
        for i in range(cells.count())
    }
    assert on_page == {name: shown(value) for name, value in stored.items()}

    network.created_across_origins(mock_api.url + CONTRACT.path, page_origin)


def submit(page: Page) -> dict[str, Any]:
    """Press the button; the JSON body the mock answered the page's POST with."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Create contact").click()
    body: dict[str, Any] = answer.value.json()
    return body


def test_empty_subject_shows_the_mocks_field_error_next_to_the_input(
    page: Page, page_origin: str, mock_api: MockApi
) -> None:
    open_form(page, page_origin, mock_api.url)
    page.locator("#first_name").fill("John")

    body = submit(page)

    assert body == {"subject": ["This field may not be blank."]}
    subject = page.get_by_label("Subject")
    expect(subject).to_have_attribute("aria-invalid", "true")
    expect(subject).to_be_focused()
    error = page.locator("#" + subject.get_attribute("aria-describedby", timeout=0).split()[0])
    expect(error).to_have_text("This field may not be blank.")
    expect(page.locator("#first_name")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#status")).to_have_attribute("data-state", "invalid")
    expect(page.locator("#result")).to_be_hidden()
    assert mock_api.contacts() == []


def test_user_token_shows_the_permission_error(
    page: Page, page_origin: str, mock_api: MockApi
) -> None:
    open_form(page, page_origin, mock_api.url)
    page.get_by_label("Token").fill("user-token")
    page.get_by_label("Subject").fill("Hello")

    body = submit(page)

    status = page.locator("#status")
    expect(status).to_have_attribute("data-state", "forbidden")
    expect(status).to_contain_text("You do not have permission to create contacts.")
    expect(status).to_contain_text(body["detail"])
    expect(page.locator("#result")).to_be_hidden()
    assert mock_api.contacts() == []


def test_unknown_token_shows_the_sign_in_error(
    page: Page, page_origin: str, mock_api: MockApi
) -> None:
    open_form(page, page_origin, mock_api.url)
    page.get_by_label("Token").fill("no-such-token")
    page.get_by_label("Subject").fill("Hello")

    body = submit(page)

    status = page.locator("#status")
    expect(status).to_have_attribute("data-state", "unauthenticated")
    expect(status).to_contain_text("You are not signed in, or your token is invalid.")
    expect(status).to_contain_text(body["detail"])
    assert mock_api.contacts() == []


def test_simulated_500_shows_the_server_error_state(
    page: Page, page_origin: str, mock_api: MockApi
) -> None:
    open_form(page, page_origin, mock_api.url)
    page.get_by_label("Subject").fill("Hello")
    page.get_by_label("Simulate a response").select_option("code=500")

    with page.expect_request(lambda r: r.method == "POST") as sent:
        body = submit(page)

    assert sent.value.headers["prefer"] == "code=500"
    assert body == CONTRACT.responses[500].example
    status = page.locator("#status")
    expect(status).to_have_attribute("data-state", "server-error")
    expect(status).to_contain_text("Server error, please try again")
    expect(page.get_by_role("button", name="Create contact")).to_be_enabled()
    assert mock_api.contacts() == []


def test_unreachable_api_shows_the_network_error(
    page: Page, page_origin: str, mock_api: MockApi
) -> None:
    # Port 1 on loopback: nothing listens there, so fetch itself fails.
    open_form(page, page_origin, "http://127.0.0.1:1")
    page.get_by_label("Subject").fill("Hello")
    page.get_by_role("button", name="Create contact").click()

    status = page.locator("#status")
    expect(status).to_have_attribute("data-state", "network-error")
    expect(status).to_contain_text("Cannot reach the API")
    assert mock_api.contacts() == []


def test_simulated_field_errors_are_shown_next_to_each_input(
    page: Page, page_origin: str, mock_api: MockApi
) -> None:
    open_form(page, page_origin, mock_api.url)
    page.get_by_label("Subject").fill("Hello")
    page.get_by_label("Simulate a response").select_option("code=400, example=fieldErrors")

    body = submit(page)

    assert body == CONTRACT.responses[400].examples["fieldErrors"]
    for name, messages in body.items():
        expect(page.locator(f"#{name}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{name}-error")).to_have_text(" ".join(messages))
    untouched = set(CONTRACT.fields) - set(body)
    assert untouched
    for name in untouched:
        expect(page.locator(f"#{name}-error")).to_be_hidden()
    expect(page.locator("#form-errors")).to_be_hidden()
    assert mock_api.contacts() == []


def test_an_error_for_the_whole_form_is_shown_at_its_top(
    page: Page, page_origin: str, mock_api: MockApi
) -> None:
    open_form(page, page_origin, mock_api.url)
    page.get_by_label("Subject").fill("Hello")
    page.get_by_label("Simulate a response").select_option("code=400, example=malformedJson")

    body = submit(page)

    assert body == CONTRACT.responses[400].examples["malformedJson"]
    expect(page.locator("#form-errors")).to_have_text(body["detail"])
    expect(page.locator("#status")).to_have_attribute("data-state", "invalid")
    for name in CONTRACT.fields:
        expect(page.locator(f"#{name}-error")).to_be_hidden()


@pytest.mark.parametrize(("allowed", "state"), [("page", "created"), ("other", "network-error")])
def test_cors_origin_admits_only_the_listed_origins(
    page: Page, page_origin: str, allowed: str, state: str
) -> None:
    origin = page_origin if allowed == "page" else "http://127.0.0.1:9"
    with running_mock("--cors-origin", origin, "--log-level", "warning") as mock:
        open_form(page, page_origin, mock.base_url)
        page.get_by_label("Subject").fill("Hello")
        page.get_by_role("button", name="Create contact").click()
        expect(page.locator("#status")).to_have_attribute("data-state", state)
