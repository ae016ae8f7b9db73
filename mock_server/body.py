"""Request bodies of the contract's operation: raw bytes in, validated fields out.

`validate_body` is the one place a body is judged; the mock's endpoint calls it, and
so does the Connexion validator_map hook below, for any request Connexion validates.
"""

from __future__ import annotations

from typing import Any

from connexion.validators import AbstractRequestBodyValidator
from starlette.types import Message, Receive, Scope

from mock_server.validation import BodyValidator, parse_json

_validators: dict[int, BodyValidator] = {}


def validate_body(raw: bytes, validator: BodyValidator) -> dict[str, Any]:
    """The request's fields; raise a 400 for a body that is not JSON or breaks the schema."""
    return validator.validate(parse_json(raw))


class ContractBodyValidator(AbstractRequestBodyValidator):  # type: ignore[misc]
    """Parses strictly (UTF-8 JSON, no NaN) and answers 400 with field errors.

    Connexion builds one of these per request, so the compiled schema is kept per
    schema object instead of being rebuilt every time.
    """

    def __init__(self, *, schema: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(schema=schema, **kwargs)
        validator = _validators.get(id(schema))
        if validator is None:
            validator = _validators[id(schema)] = BodyValidator(schema)
        self._body_validator = validator

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        messages: list[Message] = []
        more = True
        while more:
            message = await receive()
            messages.append(message)
            more = message.get("more_body", False)
        raw = b"".join(m.get("body", b"") for m in messages)
        validate_body(raw, self._body_validator)
        return self._insert_messages(receive, messages=messages), scope
