"""Swagger UI, served by the mock at /api/ui/: authorize, try the POST, see the 201."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from contacts_core.spec import load_spec, operation
from tests.e2e.conftest import MockApi

CONTRACT = operation()


def test_try_it_out_creates_a_contact(page: Page, mock_api: MockApi) -> None:
    page.goto(f"{mock_api.url}/api/ui/")

    page.locator(".auth-wrapper .authorize").click()
    dialog = page.locator(".dialog-ux")
    expect(dialog).to_contain_text("TokenAuth (apiKey)")
    dialog.locator("input").fill("Token staff-token")
    dialog.get_by_role("button", name="Authorize", exact=True).click()
    expect(dialog).to_contain_text("Authorized")
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # Swagger UI names each operation's block "operations-<first tag>-<operationId>".
    (tag, *_) = load_spec()["paths"][CONTRACT.path][CONTRACT.method.lower()]["tags"]
    post = page.locator(f"#operations-{tag}-{CONTRACT.operation_id}")
    post.locator(".opblock-summary").click()
    post.get_by_role("button", name="Try it out").click()
    example = json.loads(post.locator("textarea.body-param__text").input_value())
    assert example == CONTRACT.request_example
    post.get_by_role("button", name="Execute").click()

    answer = post.locator(".live-responses-table tr.response")
    expect(answer.locator(".response-col_status")).to_have_text("201")
    shown = json.loads(answer.locator(".response-col_description .highlight-code pre").inner_text())
    (stored,) = mock_api.contacts()
    assert shown == stored
    for name, value in CONTRACT.request_example.items():
        assert stored[name] == value
