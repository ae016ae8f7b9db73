"""The suite's strategies and messages, on their own: typed text, look-alike keys, JSON values."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, find, settings

from contacts_core.tokens import look_alikes
from contract_tests.contract import contract
from contract_tests.model import LOOK_ALIKE, look_alike_credentials
from contract_tests.oracle import shown, shown_apart
from contract_tests.payloads import TYPED_TEXT
from contract_tests.strategies import field_values, strings

SEARCH = settings(
    max_examples=300, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.mark.parametrize("family", list(TYPED_TEXT))
def test_generated_text_holds_every_family_users_type(family: str) -> None:
    """Within the usual budget, each family turns up in a text field's values (every text
    field but the email draws from the same strategy, within its own limits)."""
    field = contract().required_fields[0]
    found = find(
        field_values(field),
        lambda value: any(sample in value for sample in TYPED_TEXT[family]),
        settings=SEARCH,
    )
    assert field.accepts(found)


def test_typed_text_stays_within_the_limits() -> None:
    short = find(strings(1, 5), lambda v: "\u200b" in v or "🎉" in v, settings=SEARCH)
    assert 1 <= len(short) <= 5


def test_every_typed_sample_is_valid_text_for_some_field() -> None:
    fields = contract().fields.values()
    for samples in TYPED_TEXT.values():
        for sample in samples:
            assert any(f.accepts(sample) for f in fields), sample


def test_look_alikes_of_a_key() -> None:
    key = "staff-token"
    made = {alike.kind: alike.key for alike in look_alikes(key)}
    assert made == {
        "first-changed": "xtaff-token",
        "middle-changed": "staffxtoken",
        "last-changed": "staff-tokex",
        "appended": "staff-tokenx",
        "last-dropped": "staff-toke",
        "prefix": "staff-tokxx",
        "other-case": "STAFF-TOKEN",
        "inner-space": "staff -token",
        "inner-tab": "staff\t-token",
        "repeated": "staff-tokenstaff-token",
    }
    # A changed character differs in any letter case, so a case-insensitive look-up
    # still refuses it: each look-alike shows one bug.
    assert all(a.lower() != key.lower() for k, a in made.items() if k != "other-case")


def test_look_alikes_skip_what_cannot_be_made() -> None:
    assert look_alikes("k") == []
    kinds = {alike.kind for alike in look_alikes("1234-5678")}
    assert "other-case" not in kinds  # no letters to change the case of
    assert len({alike.key for alike in look_alikes("aaaa")}) == len(look_alikes("aaaa"))


def test_look_alike_credentials_name_the_kind_never_the_key() -> None:
    keys = {"token": "Sekrit42", "non-staff": "user-key"}
    credentials = look_alike_credentials(keys, frozenset({*keys.values(), "Sekrit42x"}))
    assert len(credentials) == 2 * 10 - 1  # one look-alike is a known key: left out
    for credential in credentials:
        assert credential.kind == LOOK_ALIKE
        assert "Sekrit" not in credential.label
        assert "user-key" not in credential.label
        assert credential.header is not None
        assert credential.header.startswith("Token ")
    labels = {c.label for c in credentials}
    assert "the token key with its last character changed" in labels
    assert "the non-staff key in other letter case" in labels


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (None, "null"),
        ({"viewed": False, "viewed_at": None}, '{"viewed": false, "viewed_at": null}'),
        ("Zoë 🎉", '"Zoë 🎉"'),
        ("a\u200bb", '"a\\u200bb"'),
        ("Zoe\u0308", '"Zoe\\u0308"'),
        ("\u202eevil", '"\\u202eevil"'),
        ("a\r\nb", '"a\\r\\nb"'),
    ],
)
def test_values_are_shown_as_json_with_invisible_characters_escaped(
    value: object, text: str
) -> None:
    assert shown(value) == text
    assert json.loads(shown(value)) == value


def test_a_difference_that_looks_the_same_is_spelled_in_ascii() -> None:
    assert shown_apart("\u00c5", "\u212b") == ('"\\u00c5"', '"\\u212b"')
    assert shown_apart("0@0.aa", "0@0.AA") == ('"0@0.aa"', '"0@0.AA"')
    assert shown("x" * 100).endswith("…")
