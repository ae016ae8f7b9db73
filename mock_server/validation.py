"""Request bodies: parse JSON strictly and turn schema violations into field errors.

Plain Python, no HTTP. Messages follow Django REST Framework's wording, so a frontend
coded against the mock shows the same text the real backend will send.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jsonschema import Draft4Validator, ValidationError

from mock_server.errors import InvalidBody
from mock_server.schema_check import compile_check

NON_FIELD_ERRORS = "non_field_errors"

_JSON_TYPES = {dict: "dictionary", list: "list", str: "str", int: "int", float: "float"}


def _reject_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON does not.
    raise ValueError(f"{name} is not valid JSON")


# Built once: json.loads(text, parse_constant=...) would build a decoder per call.
_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def parse_json(raw: bytes) -> Any:
    """Decode a request body; any failure is a 400 with a `detail` message."""
    if not raw.strip():
        raise InvalidBody({"detail": "JSON parse error - the request body is empty."})
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidBody({"detail": "JSON parse error - the body is not valid UTF-8."}) from None
    try:
        if text.startswith("\ufeff"):  # what json.loads checks before decoding
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return _decoder.decode(text)
    except RecursionError:
        raise InvalidBody({"detail": "JSON parse error - nesting is too deep."}) from None
    except ValueError as error:  # JSONDecodeError, NaN, integers too long to convert
        raise InvalidBody({"detail": f"JSON parse error - {error}"}) from None


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _blank_or_nul(value: Any) -> str:
    if isinstance(value, str) and "\x00" in value:
        return "Null characters are not allowed."
    return "This field may not be blank."


# One message per failed keyword, first match wins: a null is reported as null, not as
# a wrong type, and a too-long value as too long before its content is judged.
_MESSAGES: list[tuple[str, Callable[[ValidationError], str]]] = [
    (
        "type",
        lambda e: "This field may not be null." if e.instance is None else "Not a valid string.",
    ),
    ("maxLength", lambda e: f"Ensure this field has no more than {e.validator_value} characters."),
    ("minLength", lambda e: "This field may not be blank."),
    ("pattern", lambda e: _blank_or_nul(e.instance)),
    (
        "anyOf",
        lambda e: (
            "Null characters are not allowed."
            if "\x00" in e.instance
            else "Enter a valid email address."
        ),
    ),
    ("format", lambda e: f"Enter a valid {e.validator_value} value."),
]
_PRIORITY = {keyword: rank for rank, (keyword, _) in enumerate(_MESSAGES)}
_RENDER = dict(_MESSAGES)


class BodyValidator:
    """Validates a parsed body against one request schema; built once, used per request."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
        self._properties: dict[str, Any] = schema.get("properties", {})
        self._required: list[str] = schema.get("required", [])
        # Valid bodies are the common case: a compiled predicate accepts them without
        # jsonschema's error walk, which then runs only to word the errors of the others.
        self._schema_check = compile_check(schema)
        self._required_set = frozenset(self._required)

    def accepts(self, body: Any) -> bool:
        """True if the body is valid (then `errors(body)` is {}); False if errors() must judge."""
        return (
            self._schema_check is not None
            and isinstance(body, dict)
            and self._required_set <= body.keys() <= self._properties.keys()
            and self._schema_check(body)
        )

    def errors(self, body: Any) -> dict[str, list[str]]:
        """Field errors of the body: {} when it is valid."""
        if not isinstance(body, dict):
            message = f"Invalid data. Expected a dictionary, but got {_type_name(body)}."
            return {NON_FIELD_ERRORS: [message]}
        errors: dict[str, list[str]] = {}
        for field in self._required:
            if field not in body:
                errors[field] = ["This field is required."]
        for field in body:
            if field not in self._properties:
                errors[field] = ["Unknown field."]
        worst: dict[str, ValidationError] = {}
        for error in self._validator.iter_errors(body):
            if not error.path or error.validator not in _PRIORITY:
                continue  # required and additionalProperties are reported above, by name
            field = str(error.path[0])
            kept = worst.get(field)
            if kept is None or _PRIORITY[error.validator] < _PRIORITY[kept.validator]:
                worst[field] = error
        for field, error in worst.items():
            errors[field] = [_RENDER[str(error.validator)](error)]
        return errors

    def validate(self, body: Any) -> dict[str, Any]:
        """The body if it is valid; otherwise raise a 400 with every field's error."""
        if self.accepts(body):
            return dict(body)
        errors = self.errors(body)
        if errors:
            raise InvalidBody(errors)
        return dict(body)
