"""The fixed examples every run sends, whatever its budget: the spec's own request
examples, then one request per rule of the spec (each field at its limits, with Unicode,
with surrounding whitespace; then one defect at a time), the text users type (every
sample of `strategies.TYPED_TEXT`), and a body over the size limit.

Failures among them are reported as sent: they are built minimal, on the spec's
smallest example, so there is nothing to shrink.
"""

from __future__ import annotations

import json
from typing import Any

from contract_tests.contract import JSON, Contract
from contract_tests.model import Payload
from contract_tests.payloads import (
    MALFORMED,
    TYPED_TEXT,
    WRONG_CONTENT_TYPES,
    as_json,
    javascript_literal,
    json_type,
    long_email,
    malformed,
    media_forms,
    repeat,
    with_field,
    without_field,
    wrong_content_type,
)


def example_payloads(contract: Contract) -> list[Payload]:
    """The spec's own request examples, valid JSON, as the document meant them."""
    return [
        Payload(as_json(body), JSON, f"the spec's example {name!r}")
        for name, body in contract.operation.request_examples.items()
    ]


def padded(body: dict[str, Any], size: int, label: str) -> Payload:
    """A valid JSON object of exactly `size` bytes: insignificant whitespace before its
    closing brace makes up the size (as a pretty-printer would, only more)."""
    compact = as_json(body)
    return Payload(compact[:-1] + b" " * (size - len(compact)) + b"}", JSON, label)


def oversized(contract: Contract) -> Payload:
    """A JSON body one byte over the size limit."""
    required = contract.required_fields[0].name
    head = f'{{"{required}": "'.encode()
    filler = b"x" * (contract.max_body_bytes + 1 - len(head) - 2)
    return Payload(head + filler + b'"}', JSON, f"a body over {contract.max_body_bytes} bytes")


# Values at the edges of what the spec allows, for the fixed examples.
_UNICODE = "Grüße, Zoë — 東京 🎉"
_MIXED_CASE_EMAIL = "John.O'Neil+Contact@Example.COM"


def boundary_payloads(contract: Contract) -> list[Payload]:
    """One request per rule of the spec, built on its smallest example: every field at its
    length limits, with Unicode, with surrounding whitespace; then one defect at a time.
    These run every time, whatever the budget, so every limit is tested on every run."""
    examples = example_payloads(contract)
    base: dict[str, Any] = json.loads(min(examples, key=lambda p: len(p.body)).body)
    full: dict[str, Any] = json.loads(examples[0].body)
    out = [*examples, Payload(javascript_literal(full), JSON, "the document's example as written")]

    def add(body: Any, label: str, content_type: str | None = JSON) -> None:
        out.append(Payload(as_json(body), content_type, label))

    for f in contract.fields.values():
        valid = [
            (repeat("x", f.max_length), f"{f.name} at its maximum length"),
            (repeat("x", f.max_length - 1), f"{f.name} just under its maximum length"),
            (repeat("é", f.max_length), f"{f.name} at its maximum length, not ASCII"),
            (repeat("🎉", f.max_length), f"{f.name} at its maximum length, 4-byte characters"),
            (_UNICODE[: f.max_length], f"{f.name} in Unicode"),
            (f"  {_UNICODE}\t"[: f.max_length], f"{f.name} with surrounding whitespace"),
        ]
        if f.is_email:
            valid = [(_MIXED_CASE_EMAIL, f"{f.name} in mixed case"), ("", f"{f.name} empty")]
            valid.append((long_email(f.max_length), f"{f.name} at its maximum length"))
            valid.append((long_email(f.max_length - 1), f"{f.name} just under its maximum length"))
        for value, label in valid:
            if f.accepts(value):
                add(with_field(base, f.name, value), label)
        invalid: list[tuple[Any, str]] = [
            (None, f"{f.name} null"),
            (1, f"{f.name} a number"),
            ([], f"{f.name} a list"),
            (repeat("x", f.max_length + 1), f"{f.name} one over its maximum length"),
            ("a\x00b", f"{f.name} with a NUL character"),
            ("", f"{f.name} empty"),
            (" \t", f"{f.name} blank"),
            ("not-an-email", f"{f.name} not an email address"),
            ("a b@example.com", f"{f.name} with a space"),
            # What looser validators (Django's EmailValidator, browsers' type=email) take
            # and the contract's pattern does not: a backend built on one must add it.
            ("a@localhost", f"{f.name} with a host without a dot"),
            ("a@[127.0.0.1]", f"{f.name} with an IP address for a host"),
            ("a@exämple.com", f"{f.name} with a non-ASCII domain"),
        ]
        for wrong, label in invalid:
            if not f.accepts(wrong):
                add(with_field(base, f.name, wrong), label)
        if f.required:
            add(without_field(base, f.name), f"{f.name} missing")
        add(with_field(base, f.name.upper(), "x"), f"unknown property {f.name.upper()!r}")
    for other in ([], [base], "x", 1, True, None):
        add(other, f"a JSON {json_type(other)}, not an object")
    out += [Payload(malformed(base, how, 3), JSON, f"malformed JSON ({how})") for how in MALFORMED]
    out += [wrong_content_type(base, ct) for ct in WRONG_CONTENT_TYPES]
    out += typed_text_payloads(contract, base)
    limit = contract.max_body_bytes
    out.append(padded(base, limit, f"a valid body of exactly {limit} bytes"))
    out.append(padded(base, limit - 1, f"a valid body one byte under {limit} bytes"))
    out.append(oversized(contract))
    out += accepted_forms(contract, full)
    return out


def typed_text_payloads(contract: Contract, base: dict[str, Any]) -> list[Payload]:
    """Every sample of the text users type, each whole in a field of its own (a backend that
    mangles "007" may leave "007 x" alone): a family's samples share as few requests as the
    fields allow."""
    out = []
    for family, samples in TYPED_TEXT.items():
        pending = list(samples)
        while pending:
            body = dict(base)
            for f in contract.fields.values():
                value = next((v for v in pending if f.accepts(v)), None)
                if value is not None:
                    body[f.name] = value
                    pending.remove(value)
            if body == base:
                break  # no field takes what is left
            out.append(Payload(as_json(body), JSON, f"text users type: {family}"))
    return out


def accepted_forms(contract: Contract, body: dict[str, Any]) -> list[Payload]:
    """The document's example under every form of its media type the contract accepts:
    RFC 9110's parameters, letter case and optional whitespace."""
    forms = media_forms(contract.operation.media_types[0])
    return [Payload(as_json(body), form, f"content type {form!r}") for form in forms]
