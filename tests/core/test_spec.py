"""The contract itself: valid OpenAPI, valid examples, and faithful to the vendor document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft4Validator
from openapi_spec_validator import validate

import contacts_core.spec as spec_module
from contacts_core.spec import SpecError, load_spec, operation, spec_path, to_json_schema

# The vendor document's tables, copied by hand as an independent oracle. The email row
# has no name in either table; "email" is the name its examples use.
DOCUMENT_REQUEST_FIELDS = {
    "subject": ("string", True),
    "message": ("string", False),
    "first_name": ("string", False),
    "last_name": ("string", False),
    "email": ("string", False),
    "mobile_number": ("string", False),
}
DOCUMENT_STATUS_CODES = {201, 400, 401, 403, 500}
DOCUMENT_RESPONSE_FIELDS = {
    "id": "integer",
    "subject": "string",
    "message": "string",
    "first_name": "string",
    "last_name": "string",
    "email": "string",
    "mobile_number": "string",
    "viewed": "boolean",
    "viewed_at": "string",
    "created_at": "string",
    "updated_at": "string",
}
ISO_8601_FIELDS = {"viewed_at", "created_at", "updated_at"}


def _validator(schema: dict[str, Any]) -> Draft4Validator:
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema["type"]
    return kind[0] if isinstance(kind, list) else kind


def test_spec_is_valid_openapi() -> None:
    validate(load_spec())


def test_spec_is_openapi_3_0() -> None:
    assert load_spec()["openapi"].startswith("3.0.")


def _media_examples() -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example value) for every example of every request and response."""
    spec = load_spec()
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            bodies = [("request", op["requestBody"]), *op["responses"].items()]
            for where, part in bodies:
                for media in part.get("content", {}).values():
                    schema = to_json_schema(media["schema"], spec)
                    for name, example in media.get("examples", {}).items():
                        found.append((f"{method} {path} {where} {name}", schema, example["value"]))
    return found


@pytest.mark.parametrize(
    ("where", "schema", "value"), _media_examples(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_media_example_matches_its_schema(
    where: str, schema: dict[str, Any], value: Any
) -> None:
    errors = [e.message for e in _validator(schema).iter_errors(value)]
    assert errors == [], where


def test_every_schema_example_matches_its_schema() -> None:
    spec = load_spec()
    checked = 0
    for name, raw in spec["components"]["schemas"].items():
        schema = to_json_schema(raw, spec)
        for prop, sub in schema.get("properties", {}).items():
            if "example" in sub:
                assert list(_validator(sub).iter_errors(sub["example"])) == [], f"{name}.{prop}"
                checked += 1
        if "example" in schema:
            assert list(_validator(schema).iter_errors(schema["example"])) == [], name
            checked += 1
    assert checked >= 10


def test_every_status_has_an_example() -> None:
    for status, response in operation().responses.items():
        assert response.example is not None, status


def test_document_example_is_the_request_example() -> None:
    assert operation().request_example == {
        "subject": "New Contact",
        "message": "Hello, this is a test contact.",
        "first_name": "John",
        "last_name": "Doe",
        "email": "john.doe@example.com",
        "mobile_number": "+1234567890",
    }


def test_request_fields_match_the_document() -> None:
    schema = operation().request_schema
    assert set(schema["properties"]) == set(DOCUMENT_REQUEST_FIELDS)
    for field, (kind, required) in DOCUMENT_REQUEST_FIELDS.items():
        assert _type_of(schema["properties"][field]) == kind, field
        assert (field in schema["required"]) is required, field


def test_status_codes_match_the_document() -> None:
    documented = set(operation().responses)
    assert documented >= DOCUMENT_STATUS_CODES
    # Anything beyond the document's five is an error status the mock may answer.
    assert all(400 <= code < 500 for code in documented - DOCUMENT_STATUS_CODES)


def test_response_fields_match_the_document() -> None:
    schema = operation().success.schema
    assert operation().success.status == 201
    assert set(schema["properties"]) == set(DOCUMENT_RESPONSE_FIELDS)
    assert set(schema["required"]) == set(DOCUMENT_RESPONSE_FIELDS)
    for field, kind in DOCUMENT_RESPONSE_FIELDS.items():
        assert _type_of(schema["properties"][field]) == kind, field
    for field in ISO_8601_FIELDS:
        assert schema["properties"][field]["format"] == "date-time", field
    assert schema["properties"]["viewed_at"]["type"] == ["string", "null"]


def test_401_declares_www_authenticate() -> None:
    raw = load_spec()["paths"]["/api/contacts/"]["post"]["responses"]["401"]
    assert raw["headers"]["WWW-Authenticate"]["required"] is True


def test_permission_is_machine_readable() -> None:
    assert operation().roles == {"staff", "admin"}


def test_canonical_path_has_a_trailing_slash() -> None:
    assert operation().path == "/api/contacts/"
    assert operation().method == "POST"


def test_a_base_url_that_ends_in_the_operations_path_names_the_servers_root() -> None:
    path = operation().heading_path
    assert operation().root_of(f"http://api.test/v1{path}/") == "http://api.test/v1"
    assert operation().root_of(f"http://api.test{path}") == "http://api.test"
    others = ("http://api.test", f"http://api.test/x{path[1:]}", f"http://api.test{path}/v2")
    for elsewhere in others:
        assert operation().root_of(elsewhere) is None


def test_an_invalid_spec_is_refused_with_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = yaml.safe_load(spec_path().read_text())
    del broken["info"]["version"]
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(broken))
    monkeypatch.setattr(spec_module, "spec_path", lambda: path)
    load_spec.cache_clear()
    try:
        with pytest.raises(SpecError) as error:
            load_spec()
    finally:
        load_spec.cache_clear()
    message = str(error.value)
    assert "\n" not in message
    assert message == f'{path} is not valid OpenAPI: info: "version" is a required property'
