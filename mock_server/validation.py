"""Request bodies: parse JSON strictly and turn schema violations into field errors.

Plain Python, no HTTP. Messages follow Django REST Framework's wording, so a frontend
coded against the mock shows the same text the real backend will send.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from jsonschema_rs import Draft4Validator, ValidationError, ValidationErrorKind

from mock_server.errors import InvalidBody

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
    if text.startswith("\ufeff"):  # what json.loads refuses before decoding
        raise InvalidBody(
            {"detail": "JSON parse error - the body starts with a byte order mark (U+FEFF)."}
        )
    try:
        return _decoder.decode(text)
    except RecursionError:
        raise InvalidBody({"detail": "JSON parse error - nesting is too deep."}) from None
    except json.JSONDecodeError as error:
        raise InvalidBody({"detail": f"JSON parse error - {error}"}) from None
    except ValueError as error:
        # Python's own limit on integer digits, worded for the client, not for Python.
        if str(error).startswith("Exceeds the limit"):
            digits = sys.get_int_max_str_digits()
            detail = f"JSON parse error - a number has more than {digits} digits."
        else:  # NaN, Infinity
            detail = f"JSON parse error - {error}"
        raise InvalidBody({"detail": detail}) from None


def _lone_surrogate(error: UnicodeEncodeError) -> str:
    code = ord(error.object[error.start])
    return (
        f"JSON parse error - \\u{code:04x} is a lone surrogate escape, not a character;"
        " a string must be valid Unicode."
    )


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _blank_or_nul(value: Any) -> str:
    if isinstance(value, str) and "\x00" in value:
        return "Null characters are not allowed."
    return "This field may not be blank."


def _limit(error: ValidationError) -> int:
    kind = error.kind
    assert isinstance(kind, ValidationErrorKind.MaxLength)
    return kind.limit


def _email(value: Any) -> str:
    if isinstance(value, str) and "\x00" in value:
        return "Null characters are not allowed."
    return "Enter a valid email address."


# One message per failed keyword, first match wins: a null is reported as null, not as
# a wrong type, and a too-long value as too long before its content is judged. Each gets
# the error and the field's value as parsed (jsonschema_rs's copy of the value turns a
# number JSON cannot hold, such as 1e999, into null).
_MESSAGES: list[tuple[str, Callable[[ValidationError, Any], str]]] = [
    (
        "type",
        lambda e, v: "This field may not be null." if v is None else "Not a valid string.",
    ),
    ("maxLength", lambda e, v: f"Ensure this field has no more than {_limit(e)} characters."),
    ("minLength", lambda e, v: "This field may not be blank."),
    ("pattern", lambda e, v: _blank_or_nul(v)),
    ("anyOf", lambda e, v: _email(v)),
    ("format", lambda e, v: _email(v)),
]
_PRIORITY = {keyword: rank for rank, (keyword, _) in enumerate(_MESSAGES)}
_RENDER = dict(_MESSAGES)


def _keyword(error: ValidationError) -> str:
    """The JSON Schema keyword that failed ("maxLength" for jsonschema_rs's MaxLength)."""
    name = type(error.kind).__name__
    return name[0].lower() + name[1:]


class BodyValidator:
    """Validates a parsed body against one request schema; built once, used per request.

    jsonschema_rs is the engine Schemathesis checks with, so the mock and the contract
    suite agree on every format and pattern (and it is fast).
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        self._validator = Draft4Validator(schema, validate_formats=True)
        self._properties: dict[str, Any] = schema.get("properties", {})
        self._required: list[str] = schema.get("required", [])

    def errors(self, body: Any) -> dict[str, list[str]]:
        """Field errors of the body: {} when it is valid. A body too deep to judge is a 400."""
        if not isinstance(body, dict):
            message = f"Invalid data. Expected a dictionary, but got {_type_name(body)}."
            return {NON_FIELD_ERRORS: [message]}
        try:
            if self._validator.is_valid(body):
                return {}
            found = list(self._validator.iter_errors(body))
        except UnicodeEncodeError as unencodable:
            # JSON lets a \\uD800 escape stand alone; it is no character, so no text.
            raise InvalidBody({"detail": _lone_surrogate(unencodable)}) from None
        except ValueError:  # jsonschema_rs takes no value nested over 255 levels deep
            raise InvalidBody({"detail": "JSON parse error - nesting is too deep."}) from None
        errors: dict[str, list[str]] = {}
        for field in self._required:
            if field not in body:
                errors[field] = ["This field is required."]
        for field in body:
            if field not in self._properties:
                errors[field] = ["Unknown field."]
        worst: dict[str, tuple[int, ValidationError]] = {}
        for error in found:
            rank = _PRIORITY.get(_keyword(error))
            if not error.instance_path or rank is None:
                continue  # required and additionalProperties are reported above, by name
            field = str(error.instance_path[0])
            if field not in worst or rank < worst[field][0]:
                worst[field] = (rank, error)
        for field, (_, error) in worst.items():
            errors[field] = [_RENDER[_keyword(error)](error, body[field])]
        return errors

    def validate(self, body: Any) -> dict[str, Any]:
        """The body if it is valid; otherwise raise a 400 with every field's error."""
        errors = self.errors(body)
        if errors:
            raise InvalidBody(errors)
        return dict(body)
