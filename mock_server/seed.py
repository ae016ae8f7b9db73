"""--seed-file: a JSON list of contacts, each checked against the spec's Contact schema.
Fields the server sets (the id, the timestamps, `viewed`...) and unsent optional fields
may be left out: they are filled as a create fills them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema_rs import Draft4Validator

from contacts_core.clock import utc_now
from contacts_core.spec import operation
from mock_server.store import Contact

# The largest value of each integer format the OpenAPI specification defines: the JSON
# Schema validator leaves formats it does not know, as these, unchecked.
_INTEGER_MAXIMA = {"int32": 2**31 - 1, "int64": 2**63 - 1}


class SeedError(ValueError):
    """The seed file cannot be used; the message names every problem, in one line."""


def read_seed_file(path: Path) -> list[Contact]:
    """The seed file's contacts, complete, in the spec's field order. Raises SeedError."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SeedError(f"cannot read seed file {path}: {error.strerror}") from None
    except ValueError as error:
        raise SeedError(f"seed file {path} is not valid JSON: {error}") from None
    if not isinstance(data, list):
        raise SeedError(f"seed file {path} must hold a JSON list of contacts")
    contacts, problems = _complete(data)
    if problems:
        raise SeedError(f"seed file {path}, " + "; ".join(problems))
    return contacts


def _complete(data: list[Any]) -> tuple[list[Contact], list[str]]:
    op = operation()
    schema = op.success.schema
    validator = Draft4Validator(schema, validate_formats=True)
    (id_field,) = op.id_fields
    created, *later = op.timestamp_fields
    # What a create gives a field nobody sent; a field missing from here is required.
    defaults: dict[str, Any] = {**op.unsent_values, **op.creation_values}
    given_ids = [c[id_field] for c in data if isinstance(c, dict) and type(c.get(id_field)) is int]
    next_id = max(given_ids, default=0) + 1
    now = utc_now()
    contacts: list[Contact] = []
    problems: list[str] = []
    seen: set[int] = set()
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(f"item {index}: not a JSON object")
            continue
        contact: dict[str, Any] = {name: item[name] for name in op.response_fields if name in item}
        for name, value in defaults.items():
            contact.setdefault(name, value)
        if id_field not in contact:
            # As a create would number it: after every id the file gives.
            contact[id_field] = next_id
            next_id += 1
        contact.setdefault(created, now)
        for name in later:
            contact.setdefault(name, contact[created])
        contact = {name: contact[name] for name in op.response_fields if name in contact}
        found = [
            f"item {index}: {'/'.join(str(p) for p in e.instance_path) or 'the contact'}: {e.message}"
            for e in validator.iter_errors(contact)
        ]
        found += _out_of_format(index, contact, schema["properties"])
        unknown = sorted(set(item) - set(schema["properties"]))
        if unknown:
            found.append(f"item {index}: unknown field(s) {', '.join(unknown)}")
        if not found and contact[id_field] in seen:
            found.append(f"item {index}: id {contact[id_field]} is repeated")
        if found:
            problems += found
            continue
        seen.add(contact[id_field])
        contacts.append(contact)
    return contacts, problems


def _out_of_format(index: int, contact: Contact, properties: dict[str, Any]) -> list[str]:
    found = []
    for name, value in contact.items():
        largest = _INTEGER_MAXIMA.get(properties.get(name, {}).get("format"))
        if largest is not None and type(value) is int and not -largest - 1 <= value <= largest:
            found.append(
                f"item {index}: {name}: {value} is out of the range of the spec's "
                f"format {properties[name]['format']}"
            )
    return found
