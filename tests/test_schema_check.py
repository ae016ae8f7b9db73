"""The compiled schema check says exactly what jsonschema says, and BodyValidator's quick
acceptance never lets through a body that its full error walk would reject."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from mock_server.schema_check import compile_check
from mock_server.spec import operation
from mock_server.validation import BodyValidator

REQUEST_SCHEMA = operation().request_schema
FIELDS = list(REQUEST_SCHEMA["properties"])

# Characters where regex engines and str methods disagree: Unicode spaces that Python's
# \s matches and others do not (and the reverse), NUL, the email pattern's separators.
TRICKY = "\x00\x1c\x1f\x85\xa0\u1680\u2028\u200b\ufeff\u3000 \t\n\r@.é😀"
texts = st.text(alphabet=st.sampled_from(TRICKY) | st.characters(), max_size=12) | st.sampled_from(
    ["", " ", "a@b.c", "a@b.c\n", "a@b", "@b.c", "a b@c.de", "john.doe@example.com", "x" * 256]
)
values = texts | st.none() | st.integers() | st.booleans() | st.lists(texts, max_size=2)
keys = st.sampled_from([*FIELDS, "nickname", "Subject"])
# Mostly well-formed bodies, whose strings decide; then anything at all.
forms = st.fixed_dictionaries({"subject": texts}, optional=dict.fromkeys(FIELDS[1:], texts))
bodies = forms | st.dictionaries(keys, values, max_size=8) | values


def _is_valid(schema: dict[str, Any], instance: Any) -> bool:
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).is_valid(instance)


@settings(max_examples=1500, deadline=None)
@given(bodies)
def test_request_schema_check_agrees_with_jsonschema(body: Any) -> None:
    check = compile_check(REQUEST_SCHEMA)
    assert check is not None
    assert check(body) == _is_valid(REQUEST_SCHEMA, body)


@settings(max_examples=1500, deadline=None)
@given(bodies)
def test_quick_acceptance_matches_the_error_walk(body: Any) -> None:
    validator = BodyValidator(REQUEST_SCHEMA)
    assert validator.accepts(body) == (validator.errors(body) == {})


@pytest.mark.parametrize(
    ("schema", "valid", "invalid"),
    [
        ({"type": "string", "minLength": 2}, ["ab"], ["a", 3]),
        ({"maxLength": 1}, ["a", 25, None], ["ab"]),
        ({"pattern": "^a"}, ["ab", 1], ["ba"]),
        ({"format": "email"}, ["a@b", 5], ["ab"]),
        ({"anyOf": [{"type": "null"}, {"type": "boolean"}]}, [None, True], [0, "x"]),
        ({"type": ["string", "null"]}, ["", None], [1]),
        ({"required": ["a"]}, [{"a": 1}, "not an object"], [{}]),
        ({"properties": {"a": {"type": "string"}}}, [{}, {"a": "x"}, {"b": 1}], [{"a": 1}]),
        ({"additionalProperties": False, "properties": {"a": {}}}, [{"a": 1}], [{"b": 1}]),
        ({"description": "annotations only", "example": 1}, [1, "x"], []),
    ],
)
def test_each_keyword_is_checked_like_jsonschema(
    schema: dict[str, Any], valid: list[Any], invalid: list[Any]
) -> None:
    check = compile_check(schema)
    assert check is not None
    for instance in [*valid, *invalid]:
        assert _is_valid(schema, instance) == (instance in valid)
        assert check(instance) == (instance in valid), instance


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "integer"},
        {"enum": ["a"]},
        {"patternProperties": {"^x": {}}},
        {"additionalProperties": {"type": "string"}},
        {"properties": {"a": {"minimum": 1}}},
        {"anyOf": []},
        operation().success.schema,  # integers and date-times
    ],
)
def test_other_keywords_are_not_compiled(schema: dict[str, Any]) -> None:
    assert compile_check(schema) is None


def test_a_schema_that_cannot_be_compiled_is_still_validated() -> None:
    schema = {**REQUEST_SCHEMA, "properties": {**REQUEST_SCHEMA["properties"], "n": {"enum": [1]}}}
    validator = BodyValidator(schema)
    assert not validator.accepts({"subject": "x"})
    assert validator.validate({"subject": "x"}) == {"subject": "x"}
