"""The fault catalogue: each fault a small function, registered with its name, what it
breaks and the suite's check (or warning) that must catch it.

A fault acts at one seam of the injector (see `injector.FaultInjector`):

- `credentials`: the Authorization header the backend believes it got (auth bugs);
- `request`: the JSON body the validation sees (validation holes);
- `contact`: the created contact the 201 answers with (echo and server-set bugs);
- `response`: the response as sent, knowing what was sent (wrong codes, crashes, headers);
- `route`: a request to the document's heading path (the path without its trailing slash);
- `method`: a request to the spec's path with another method (which must get 405);
- `head`: the request as read (headers, query string, body) before the mock sees it:
  where a backend reads what the contract does not say (misplaced keys, media types).

What a fault needs to know of the contract (field names, limits, codes) comes from the
spec, through `facts()`; descriptions are templates filled from the same facts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, TypeVar

from contacts_core.asgi import encode_json
from contacts_core.spec import Operation, operation
from mock_server.validation import BodyValidator

RawHeaders = list[tuple[bytes, bytes]]


@dataclass
class Reply:
    """A response as the injector holds it before sending."""

    status: int
    headers: RawHeaders
    body: bytes

    def without(self, name: bytes) -> RawHeaders:
        return [(k, v) for k, v in self.headers if k.lower() != name]

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


def json_reply(status: int, body: Any, headers: RawHeaders | None = None) -> Reply:
    return Reply(
        status, [(b"content-type", b"application/json"), *(headers or [])], encode_json(body)
    )


Credentials = Callable[[str | None, Mapping[str, str]], str | None]
"""(the Authorization header sent, the mock's tokens) -> the header the backend believes."""
Rewrite = Callable[[dict[str, Any]], dict[str, Any]]
"""The JSON object sent -> the one the validation sees."""
Contact = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
"""(the created contact, the JSON object sent) -> the contact the 201 answers with."""
Respond = Callable[[Reply, Any], Reply]
"""(the reply, the parsed body sent or UNPARSED) -> the reply sent."""
Route = Callable[[], Reply | None]
"""A request to the heading path -> the reply to send instead, or None to serve it."""
Method = Callable[[str], Reply | None]
"""The method of a request to the spec's path that is not the operation's -> the reply to
send instead, or None to serve it."""

UNPARSED = object()  # the request body was not JSON


@dataclass
class Head:
    """A request of the operation as read: its headers, query string and body."""

    headers: RawHeaders
    query: bytes
    body: bytes

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.headers if k.lower() == name), None)


Inspect = Callable[[Head, Mapping[str, str]], Head | Reply]
"""(the request as read, the mock's tokens) -> the request the backend believes it got,
or the reply it sends at once."""


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    caught_by: str
    """The contract suite's check (or, when `warning`, its warning) that must catch it."""
    warning: bool = False
    credentials: Credentials | None = field(default=None, repr=False)
    request: Rewrite | None = field(default=None, repr=False)
    contact: Contact | None = field(default=None, repr=False)
    response: Respond | None = field(default=None, repr=False)
    route: Route | None = field(default=None, repr=False)
    method: Method | None = field(default=None, repr=False)
    head: Inspect | None = field(default=None, repr=False)
    family: str = ""
    """The module the fault is written in."""


# --- what the faults know of the contract, read from the spec ---------------------------


@dataclass(frozen=True)
class Facts:
    op: Operation
    ids: tuple[str, ...]
    flags: tuple[str, ...]
    stamps: tuple[str, ...]
    emails: tuple[str, ...]
    limits: Mapping[str, int | None]
    validator: BodyValidator

    @property
    def success(self) -> int:
        return self.op.success.status

    @property
    def required(self) -> str:
        return self.op.required_fields[0]

    @property
    def first_optional(self) -> str:
        return self.op.optional_fields[0]

    @property
    def first_stamp(self) -> str:
        return self.stamps[0]

    @property
    def last_stamp(self) -> str:
        return self.stamps[-1]

    @property
    def heading_path(self) -> str:
        return self.op.heading_path

    @property
    def scheme(self) -> str:
        """The scheme the 401's documented WWW-Authenticate names."""
        return self.op.responses[401].headers["WWW-Authenticate"]


@cache
def facts() -> Facts:
    op = operation()

    def is_email(schema: dict[str, Any]) -> bool:
        return schema.get("format") == "email" or any(is_email(b) for b in schema.get("anyOf", []))

    sent = op.request_schema["properties"]
    return Facts(
        op=op,
        ids=op.id_fields,
        flags=tuple(n for n, s in op.server_fields.items() if s.get("type") == "boolean"),
        stamps=op.timestamp_fields,
        emails=tuple(n for n, s in sent.items() if is_email(s)),
        limits={n: s.get("maxLength") for n, s in sent.items()},
        validator=BodyValidator(op.request_schema),
    )


# --- registration -------------------------------------------------------------------------

_REGISTERED: list[Fault] = []
F = TypeVar("F")


def _register(
    name: str, description: str, caught_by: str, warning: bool, at: str
) -> Callable[[F], F]:
    def register(function: F) -> F:
        seam: dict[str, Any] = {at: function}
        family = getattr(function, "__module__", "")
        _REGISTERED.append(Fault(name, description, caught_by, warning, family=family, **seam))
        return function

    return register


def credentials_fault(
    name: str, description: str, caught_by: str, *, warning: bool = False
) -> Callable[[Credentials], Credentials]:
    return _register(name, description, caught_by, warning, at="credentials")


def request_fault(
    name: str, description: str, caught_by: str, *, warning: bool = False
) -> Callable[[Rewrite], Rewrite]:
    return _register(name, description, caught_by, warning, at="request")


def contact_fault(
    name: str, description: str, caught_by: str, *, warning: bool = False
) -> Callable[[Contact], Contact]:
    return _register(name, description, caught_by, warning, at="contact")


def response_fault(
    name: str, description: str, caught_by: str, *, warning: bool = False
) -> Callable[[Respond], Respond]:
    return _register(name, description, caught_by, warning, at="response")


def route_fault(
    name: str, description: str, caught_by: str, *, warning: bool = False
) -> Callable[[Route], Route]:
    return _register(name, description, caught_by, warning, at="route")


def method_fault(
    name: str, description: str, caught_by: str, *, warning: bool = False
) -> Callable[[Method], Method]:
    return _register(name, description, caught_by, warning, at="method")


def head_fault(
    name: str, description: str, caught_by: str, *, warning: bool = False
) -> Callable[[Inspect], Inspect]:
    return _register(name, description, caught_by, warning, at="head")


def registered() -> list[Fault]:
    """Every fault registered so far, in that order, its description filled in."""
    spec = facts()
    return [replace(f, description=f.description.format(f=spec)) for f in _REGISTERED]
