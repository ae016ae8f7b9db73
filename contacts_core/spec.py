"""The contract: the one place that knows where spec/openapi.yaml lives and how to read it,
and `Operation`, every fact of one operation computed once: its paths (the document's
heading path too), media type, fields, limits, roles, status codes, server-set fields."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from contacts_core.media import JSON, media_type

# In a source checkout the spec sits beside the packages; in a wheel it is the core's
# data (see pyproject.toml's force-include).
_SOURCE_SPEC = Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml"

CREATE_CONTACT = "createContact"


def spec_path() -> Path:
    """The path of the OpenAPI document in use."""
    packaged = resources.files(__package__).joinpath("openapi.yaml")
    if packaged.is_file():
        return Path(str(packaged))
    return _SOURCE_SPEC


class SpecError(ValueError):
    """The OpenAPI document is not valid; the message says where, in one line."""


_supplied: dict[str, Any] | None = None


def supply_spec(spec: dict[str, Any]) -> None:
    """Use `spec`, read and checked by the process that started this one, instead of
    reading and checking the file again: a worker process (the suite's drawers) starts
    half a second sooner without openapi-spec-validator."""
    global _supplied
    _supplied = spec


@cache
def load_spec() -> dict[str, Any]:
    """The OpenAPI document as parsed YAML, checked once with openapi-spec-validator.

    Cached: callers must not mutate it.
    """
    if _supplied is not None:
        return _supplied
    path = spec_path()
    with path.open(encoding="utf-8") as stream:
        spec: dict[str, Any] = yaml.safe_load(stream)
    # Imported here: it takes longer to import than the rest of the toolkit's core.
    from openapi_spec_validator import validate
    from openapi_spec_validator.exceptions import OpenAPIError
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(spec)
    except OpenAPIValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path) or "the document"
        first_line = error.message.splitlines()[0]  # the rest repeats the document
        raise SpecError(f"{path} is not valid OpenAPI: {where}: {first_line}") from None
    except OpenAPIError as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise SpecError(f"{path} is not valid OpenAPI: {reason}") from None
    return spec


def to_json_schema(node: Any, root: dict[str, Any]) -> Any:
    """Inline local `$ref`s and turn OpenAPI 3.0's `nullable` into JSON Schema's null type."""
    if isinstance(node, list):
        return [to_json_schema(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return to_json_schema(_follow(node["$ref"], root), root)
    schema = {key: to_json_schema(value, root) for key, value in node.items()}
    if schema.pop("nullable", False) and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


def _follow(ref: str, root: dict[str, Any]) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, got {ref!r}")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@dataclass(frozen=True)
class Response:
    status: int
    description: str
    schema: dict[str, Any]
    examples: dict[str, Any]
    headers: dict[str, str]
    """Documented header name -> its example value."""

    @property
    def example(self) -> Any:
        """The first documented example's value."""
        return next(iter(self.examples.values()), None)


@dataclass(frozen=True)
class Operation:
    """What the mock and the suite need to know of one operation, read from the spec."""

    operation_id: str
    method: str
    path: str
    request_schema: dict[str, Any]
    request_examples: dict[str, Any]
    """Example name -> the example request body."""
    responses: dict[int, Response]
    roles: frozenset[str]
    max_body_bytes: int
    auth_header: str
    media_types: tuple[str, ...] = (JSON,)
    """The request body's media types, as the spec lists them."""
    refused_methods: tuple[str, ...] = ()
    """Methods the path does not declare, which get 405 with an `Allow` header (the
    spec's description says so: OpenAPI cannot declare a 405). OPTIONS and HEAD are left
    out: a backend may answer OPTIONS itself (CORS, DRF's metadata)."""

    @cached_property
    def heading_path(self) -> str:
        """The path as the document's heading writes it (`/api/contacts`, no trailing
        slash): clients that follow the document send their requests there."""
        return self.path.rstrip("/") or "/"

    def root_of(self, base_url: str) -> str | None:
        """The server's root when a base URL already ends in the operation's path (its
        requests would go to the path twice), else None."""
        base = base_url.rstrip("/")
        if not urlsplit(base).path.endswith(self.heading_path):
            return None
        return base[: len(base) - len(self.heading_path)]

    @cached_property
    def paths(self) -> frozenset[str]:
        """The spec's path and the heading path: where the mock serves the operation."""
        return frozenset({self.path, self.heading_path})

    def is_request(self, method: str, path: str) -> bool:
        """A request of this operation: its method, on either of its paths."""
        return method == self.method and path in self.paths

    def is_refused(self, method: str, path: str) -> bool:
        """A request the contract refuses with 405: a method the spec's path does not
        declare, on that path."""
        return method in self.refused_methods and path == self.path

    def accepts_media(self, content_type: str | None) -> bool:
        """Whether a Content-Type header names a media type the request body may have."""
        return media_type(content_type) in self.media_types

    @property
    def request_example(self) -> dict[str, Any]:
        """The vendor document's own example body."""
        return copy.deepcopy(self.request_examples["document"])

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.request_schema["properties"])

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(self.request_schema.get("required", ()))

    @property
    def optional_fields(self) -> tuple[str, ...]:
        return tuple(f for f in self.fields if f not in self.required_fields)

    @property
    def success(self) -> Response:
        return next(r for status, r in sorted(self.responses.items()) if 200 <= status < 300)

    # The created resource's server-set fields and their values on creation, read from
    # the success response's schema and examples. The mock builds contacts from them and
    # the contract suite checks backends against them.

    @cached_property
    def response_fields(self) -> tuple[str, ...]:
        """The created resource's fields, in the spec's order."""
        return tuple(self.success.schema["properties"])

    @cached_property
    def server_fields(self) -> dict[str, dict[str, Any]]:
        """Fields of the created resource the client does not send: name -> schema."""
        sent = self.request_schema["properties"]
        return {n: s for n, s in self.success.schema["properties"].items() if n not in sent}

    @cached_property
    def id_fields(self) -> tuple[str, ...]:
        """The server-set integers: the identifier."""
        return tuple(n for n, s in self.server_fields.items() if s.get("type") == "integer")

    @cached_property
    def timestamp_fields(self) -> tuple[str, ...]:
        """Server-set date-times that are never null, set to the creation time on creation."""
        return tuple(
            n
            for n, s in self.server_fields.items()
            if s.get("format") == "date-time" and s.get("type") == "string"
        )

    @cached_property
    def creation_values(self) -> dict[str, Any]:
        """Every other server-set field's value on creation: the one all the success
        examples agree on (for example false, or null until viewed)."""
        examples = list(self.success.examples.values())
        return {
            name: examples[0][name]
            for name in self.server_fields
            if name not in self.id_fields
            and name not in self.timestamp_fields
            and examples
            and all(name in e and e[name] == examples[0][name] for e in examples)
        }

    @cached_property
    def unsent_values(self) -> dict[str, Any]:
        """What an unsent optional field comes back as, read from paired examples: a request
        example and the success example of the same name show it left out, and its value."""
        values: dict[str, Any] = {}
        for name, request in self.request_examples.items():
            response = self.success.examples.get(name)
            if response is None:
                continue
            for field in self.fields:
                if field not in request and field in response:
                    values.setdefault(field, response[field])
        return values

    def viewed_values(self, now: str) -> dict[str, Any]:
        """What marking a created resource as viewed sets (a mock-only admin action): the
        flags false on creation become true, the date-times null on creation become `now`,
        and so do the timestamps after the first (the first is the creation time)."""
        values: dict[str, Any] = {}
        for name, value in self.creation_values.items():
            if value is False:
                values[name] = True
            elif value is None and self.server_fields[name].get("format") == "date-time":
                values[name] = now
        return values | dict.fromkeys(self.timestamp_fields[1:], now)


@cache
def operation(operation_id: str = CREATE_CONTACT) -> Operation:
    """The operation with this operationId, its schemas resolved."""
    spec = load_spec()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return _read_operation(spec, path, method, op)
    raise LookupError(f"no operation {operation_id!r} in {spec_path()}")


def _read_operation(spec: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> Operation:
    media = op["requestBody"]["content"][JSON]
    responses = {}
    for status, raw in op["responses"].items():
        content = to_json_schema(raw.get("content", {}).get(JSON, {}), spec)
        responses[int(status)] = Response(
            status=int(status),
            description=str(raw.get("description", "")).strip(),
            schema=content.get("schema", {}),
            examples=_examples(content),
            headers={
                name: str(header["schema"].get("example", ""))
                for name, header in raw.get("headers", {}).items()
            },
        )
    (scheme_name,) = op["security"][0]
    scheme = spec["components"]["securitySchemes"][scheme_name]
    return Operation(
        operation_id=op["operationId"],
        method=method.upper(),
        path=path,
        request_schema=to_json_schema(media["schema"], spec),
        request_examples=_examples(media),
        responses=responses,
        roles=frozenset(op["x-permission"]["roles"]),
        max_body_bytes=int(op["x-max-body-bytes"]),
        auth_header=scheme["name"],
        media_types=tuple(op["requestBody"]["content"]),
        refused_methods=tuple(
            m for m in ("GET", "PUT", "PATCH", "DELETE") if m.lower() not in spec["paths"][path]
        ),
    )


def _examples(media: dict[str, Any]) -> dict[str, Any]:
    return {name: example["value"] for name, example in media.get("examples", {}).items()}
