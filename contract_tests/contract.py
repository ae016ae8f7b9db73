"""What the suite knows of the contract: everything read from the packaged spec.

Field names, limits, roles, status codes and the values a created contact must carry
all come from `contacts_core.spec`; nothing here names a field of the contract.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from http import HTTPStatus
from typing import Any

from jsonschema_rs import Draft4Validator

from contacts_core.media import JSON
from contacts_core.spec import Operation, operation

__all__ = ["JSON", "Contract", "Field", "contract", "status_name"]


# An address every email validator accepts: an ASCII dot-atom of at most 64 characters,
# "@", dotted host labels, a top-level domain of letters. The spec's pattern is a little
# wider (a local part of any length, `xn--` top-level domains), and validators of
# `format: email` disagree beyond this, so the suite leaves such addresses open rather
# than fail a backend whose validator is stricter than the mock's.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
PLAIN_EMAIL = re.compile(rf"^{_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$")


def plain_email(value: str) -> bool:
    local, _, _ = value.partition("@")
    return len(local) <= 64 and PLAIN_EMAIL.match(value) is not None


@dataclass(frozen=True)
class Field:
    """One property of the request body, with the limits its schema sets."""

    name: str
    schema: dict[str, Any]
    required: bool
    min_length: int
    max_length: int
    is_email: bool

    @property
    def validator(self) -> Draft4Validator:
        return _validator(json.dumps(self.schema, sort_keys=True))

    def accepts(self, value: Any) -> bool:
        return bool(self.validator.is_valid(value))


@cache
def _validator(schema_json: str) -> Draft4Validator:
    # jsonschema_rs, as the mock and Schemathesis use: one regex and format engine for all.
    return Draft4Validator(json.loads(schema_json), validate_formats=True)


def _has_format(schema: dict[str, Any], name: str) -> bool:
    if schema.get("format") == name:
        return True
    return any(_has_format(branch, name) for branch in schema.get("anyOf", []))


class Contract:
    """The operation under test, as the suite needs it."""

    def __init__(self, op: Operation) -> None:
        self.operation = op
        self.path = op.path
        self.method = op.method
        request = op.request_schema
        self.fields = {
            name: Field(
                name=name,
                schema=schema,
                required=name in op.required_fields,
                min_length=int(schema.get("minLength", 0)),
                max_length=int(schema["maxLength"]),
                is_email=_has_format(schema, "email"),
            )
            for name, schema in request["properties"].items()
        }
        self.request_validator = _validator(json.dumps(request, sort_keys=True))
        self.success = op.success.status
        self.statuses = tuple(sorted(op.responses))
        self.descriptions = {status: r.description for status, r in op.responses.items()}
        self.max_body_bytes = op.max_body_bytes
        self.auth_header = op.auth_header
        # The path as the document's heading writes it, `POST /api/contacts`: clients that
        # follow the document send their requests there.
        self.heading_path = op.heading_path
        # The scheme a 401's WWW-Authenticate names, as the spec documents it.
        self.challenge_scheme = op.responses[401].headers.get("WWW-Authenticate", "")
        self._response_validators = {
            status: _validator(json.dumps(r.schema, sort_keys=True))
            for status, r in op.responses.items()
        }
        self.response_fields = op.response_fields
        # Server-set fields and their values on creation: read once, in contacts_core.spec.
        self.id_fields = op.id_fields
        self.timestamp_fields = op.timestamp_fields
        self.creation_values = op.creation_values
        self.unsent_values = op.unsent_values

    @property
    def required_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields.values() if f.required)

    @property
    def optional_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields.values() if not f.required)

    def open_question(self, body: dict[str, Any]) -> str | None:
        """Why the spec leaves a schema-valid body open, if it does (see PLAIN_EMAIL)."""
        for f in self.fields.values():
            value = body.get(f.name)
            if f.is_email and isinstance(value, str) and value and not plain_email(value):
                return f"{f.name} {json.dumps(value)}: validators of format: email disagree on it"
        return None

    def body_errors(self, body: Any) -> list[str]:
        """Why a parsed JSON body breaks the request schema; [] when it is valid."""
        return [
            f"{'/'.join(str(p) for p in e.instance_path) or 'body'}: {e.message}"
            for e in self.request_validator.iter_errors(body)
        ]

    def response_errors(self, status: int, body: Any) -> list[str]:
        validator = self._response_validators.get(status)
        if validator is None:
            return []
        return [
            f"{'/'.join(str(p) for p in e.instance_path) or 'body'}: {e.message}"
            for e in validator.iter_errors(body)
        ]

    def required_headers(self, status: int) -> tuple[str, ...]:
        response = self.operation.responses.get(status)
        return tuple(response.headers) if response else ()

    def documented(self, status: int) -> bool:
        return status in self.operation.responses


@cache
def contract() -> Contract:
    """The Create Contact operation of the packaged spec."""
    return Contract(operation())


def status_name(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
