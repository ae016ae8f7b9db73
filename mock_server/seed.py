"""--seed-file: a JSON list of contacts, each checked against the spec's Contact schema."""

from __future__ import annotations

import json
from pathlib import Path

from jsonschema_rs import Draft4Validator

from contacts_core.spec import operation
from mock_server.store import Contact


class SeedError(ValueError):
    """The seed file cannot be used; the message says why, in one line."""


def read_seed_file(path: Path) -> list[Contact]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SeedError(f"cannot read seed file {path}: {error.strerror}") from None
    except ValueError as error:
        raise SeedError(f"seed file {path} is not valid JSON: {error}") from None
    if not isinstance(data, list):
        raise SeedError(f"seed file {path} must hold a JSON list of contacts")
    schema = operation().success.schema
    validator = Draft4Validator(schema, validate_formats=True)
    seen: set[int] = set()
    for index, contact in enumerate(data):
        problem = next(iter(validator.iter_errors(contact)), None)
        if problem is not None:
            where = "/".join(str(p) for p in problem.instance_path) or "the contact"
            raise SeedError(f"seed file {path}, item {index}: {where}: {problem.message}")
        unknown = sorted(set(contact) - set(schema["properties"]))
        if unknown:
            raise SeedError(
                f"seed file {path}, item {index}: unknown field(s) {', '.join(unknown)}"
            )
        if contact["id"] in seen:
            raise SeedError(f"seed file {path}, item {index}: id {contact['id']} is repeated")
        seen.add(contact["id"])
    return data
