"""examples/contact-form has one input per body field, with the spec's limits."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from contacts_core.spec import operation

PAGE = Path(__file__).resolve().parents[2] / "examples" / "contact-form" / "index.html"


class _FormControls(HTMLParser):
    """The named controls inside <form id="contact-form">, with their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.controls: dict[str, dict[str, str | None]] = {}
        self.labels: set[str] = set()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "form" and attributes.get("id") == "contact-form":
            self.in_form = True
        elif tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        elif self.in_form and tag in ("input", "textarea", "select") and attributes.get("name"):
            self.controls[str(attributes["name"])] = attributes

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def parse_page() -> _FormControls:
    parser = _FormControls()
    parser.feed(PAGE.read_text(encoding="utf-8"))
    return parser


def test_the_form_has_exactly_the_contract_fields() -> None:
    assert sorted(parse_page().controls) == sorted(operation().fields)


def test_each_input_carries_the_contract_limits_and_a_label() -> None:
    page = parse_page()
    properties = operation().request_schema["properties"]
    for name, attributes in page.controls.items():
        assert attributes["maxlength"] == str(properties[name]["maxLength"]), name
        assert ("required" in attributes) == (name in operation().required_fields), name
        assert attributes["id"] in page.labels, f"{name} has no <label for>"
        error_id = f"{name}-error"
        assert error_id in str(attributes["aria-describedby"]).split(), name
        assert error_id in page.ids, name
