"""Strict text fields: what docs/decisions.md decided where DRF's defaults differ.

DRF's CharField turns numbers into text (`0` is stored as "0") and trims surrounding
whitespace; the contract accepts strings only and stores them exactly as sent.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.validators import RegexValidator
from rest_framework import serializers

# The spec's Email pattern (a copy: a backend does not read the toolkit). Django's
# EmailValidator also accepts `a@localhost`, `a@[127.0.0.1]`, a numeric top-level domain
# and non-ASCII domains, which the spec does not.
EMAIL_PATTERN = (
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
    r"\.([A-Za-z]{2,63}|[Xx][Nn]--[A-Za-z0-9-]{1,59})\Z"
)


class StrictCharField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(StrictCharField):
    default_error_messages: ClassVar[dict[str, str]] = {"invalid": "Enter a valid email address."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The pattern alone: it is narrower than Django's EmailValidator (but for an `xn--`
        # top-level domain ending in "-"), and two validators would give a bad address
        # their message twice.
        pattern = RegexValidator(EMAIL_PATTERN, message=self.error_messages["invalid"])
        self.validators.append(pattern)
