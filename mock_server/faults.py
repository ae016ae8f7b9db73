"""Deliberate backend bugs, one at a time (`contacts-mock --fault NAME`).

They prove that the contract suite gates: each fault is a small, realistic mistake a
backend makes, and names the suite's check expected to catch it. A fault the suite does
not catch is a bug in the suite.

Every fault acts at one of four seams of `FaultInjector`, a wrapper around the
contract's endpoint, so the mock itself carries no fault code:

- `credentials`: the Authorization header the backend believes it got (auth bugs);
- `request`: the JSON body the validation sees (validation holes);
- `contact`: the created contact the 201 answers with (echo and server-set bugs);
- `response`: the response as sent, knowing what was sent (wrong codes, crashes, headers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.asgi import ClientDisconnect, encode_json, read_body, replay, send_bytes
from mock_server.spec import Operation, operation
from mock_server.validation import BodyValidator

UNPARSED = object()  # the request body was not JSON


@dataclass
class Reply:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def without(self, name: bytes) -> list[tuple[bytes, bytes]]:
        return [(k, v) for k, v in self.headers if k.lower() != name]


Credentials = Callable[[str | None, Mapping[str, str]], str | None]
Rewrite = Callable[[dict[str, Any]], dict[str, Any]]
Contact = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
Respond = Callable[[Reply, Any], Reply]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    caught_by: str  # the contract suite's check expected to catch it
    credentials: Credentials | None = field(default=None, repr=False)
    request: Rewrite | None = field(default=None, repr=False)
    contact: Contact | None = field(default=None, repr=False)
    response: Respond | None = field(default=None, repr=False)


# --- what the faults need to know of the contract, read from the spec -------------------


def _op() -> Operation:
    return operation()


def _server_fields(kind: str) -> list[str]:
    created = _op().success.schema["properties"]
    request = _op().request_schema["properties"]
    server = {n: s for n, s in created.items() if n not in request}
    if kind == "id":
        return [n for n, s in server.items() if s.get("type") == "integer"]
    if kind == "boolean":
        return [n for n, s in server.items() if s.get("type") == "boolean"]
    # Timestamps: non-null date-times.
    return [
        n for n, s in server.items() if s.get("format") == "date-time" and s["type"] == "string"
    ]


def _email_fields() -> list[str]:
    def is_email(schema: dict[str, Any]) -> bool:
        return schema.get("format") == "email" or any(is_email(b) for b in schema.get("anyOf", []))

    return [n for n, s in _op().request_schema["properties"].items() if is_email(s)]


def _key_with_role(tokens: Mapping[str, str], allowed: bool) -> str | None:
    roles = _op().roles
    return next((k for k, r in tokens.items() if (r in roles) == allowed), None)


def _role_of(header: str | None, tokens: Mapping[str, str]) -> str | None:
    parts = (header or "").split()
    return tokens.get(parts[1]) if len(parts) == 2 else None


def _json_reply(status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None) -> Reply:
    return Reply(
        status,
        [(b"content-type", b"application/json"), *(headers or [])],
        encode_json(body),
    )


SERVER_ERROR = {"detail": "A server error occurred."}


def _strings(sent: Any) -> list[str]:
    return [v for v in sent.values() if isinstance(v, str)] if isinstance(sent, dict) else []


def _shift(value: Any, delta: timedelta) -> Any:
    if not isinstance(value, str):
        return value
    moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + delta
    return moved.isoformat(timespec="microseconds").replace("+00:00", "Z")


# --- the catalogue ----------------------------------------------------------------------


def _catalogue() -> list[Fault]:
    op = _op()
    ids, flags, stamps = (
        _server_fields("id"),
        _server_fields("boolean"),
        _server_fields("date-time"),
    )
    emails = _email_fields()
    first_optional = op.optional_fields[0]
    required = op.required_fields[0]
    limits = {n: s.get("maxLength") for n, s in op.request_schema["properties"].items()}
    validator = BodyValidator(op.request_schema)
    success = op.success.status

    def contact_update(**changes: Callable[[Any], Any]) -> Contact:
        def apply(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
            return {**contact, **{k: f(contact.get(k)) for k, f in changes.items()}}

        return apply

    def status_map(old: int, new: int) -> Respond:
        return lambda reply, sent: (
            Reply(new, reply.headers, reply.body) if reply.status == old else reply
        )

    def crash_when(test: Callable[[Any], bool]) -> Respond:
        # The contact is saved, then a later step (a notification, a log line) crashes.
        return lambda reply, sent: (
            _json_reply(500, SERVER_ERROR) if reply.status == success and test(sent) else reply
        )

    def html_errors(reply: Reply, sent: Any) -> Reply:
        if not 400 <= reply.status < 500:
            return reply
        page = f"<html><body><h1>Error {reply.status}</h1></body></html>".encode()
        return Reply(
            reply.status,
            [*reply.without(b"content-type"), (b"content-type", b"text/html; charset=utf-8")],
            page,
        )

    def unauthenticated_as_403(reply: Reply, sent: Any) -> Reply:
        if reply.status != 401:
            return reply
        return _json_reply(403, {"detail": "You do not have permission to perform this action."})

    def validate_first(reply: Reply, sent: Any) -> Reply:
        # Emulated after the fact: a 401 for a body the validator rejects becomes that 400.
        if reply.status != 401:
            return reply
        if sent is UNPARSED:
            return _json_reply(400, {"detail": "JSON parse error."})
        errors = validator.errors(sent)
        return _json_reply(400, errors) if errors else reply

    def all_accepted_as(role_allowed: bool) -> Credentials:
        def swap(header: str | None, tokens: Mapping[str, str]) -> str | None:
            key = _key_with_role(tokens, allowed=role_allowed)
            return f"Token {key}" if key else header

        return swap

    def no_header_as_staff(header: str | None, tokens: Mapping[str, str]) -> str | None:
        return all_accepted_as(True)(header, tokens) if header is None else header

    def user_as_staff(header: str | None, tokens: Mapping[str, str]) -> str | None:
        role = _role_of(header, tokens)
        if role is not None and role not in op.roles:
            return all_accepted_as(True)(header, tokens)
        return header

    def admin_as_user(header: str | None, tokens: Mapping[str, str]) -> str | None:
        return (
            all_accepted_as(False)(header, tokens)
            if _role_of(header, tokens) == "admin"
            else header
        )

    def truncate(body: dict[str, Any]) -> dict[str, Any]:
        return {
            k: v[: limits[k]] if isinstance(v, str) and limits.get(k) is not None else v
            for k, v in body.items()
        }

    def default_required(body: dict[str, Any]) -> dict[str, Any]:
        return body if required in body else {**body, required: "(no subject)"}

    def nulls_as_blank(body: dict[str, Any]) -> dict[str, Any]:
        return {k: "" if v is None and k != required else v for k, v in body.items()}

    def drop_unknown(body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k in limits}

    def strip_strings(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
        return {k: v.strip() if isinstance(v, str) and k in sent else v for k, v in contact.items()}

    def repeat_ids(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
        return {**contact, **{n: (contact[n] + 1) // 2 for n in ids}}

    def drop_field(name: str) -> Contact:
        return lambda contact, sent: {k: v for k, v in contact.items() if k != name}

    def later(contact: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
        return {**contact, stamps[-1]: _shift(contact[stamps[-1]], timedelta(milliseconds=1))}

    def json_failure_crashes(reply: Reply, sent: Any) -> Reply:
        return _json_reply(500, SERVER_ERROR) if sent is UNPARSED and reply.status == 400 else reply

    return [
        Fault(
            "status-200",
            f"answers 200 instead of {success} on creation",
            "positive_data_acceptance",
            response=status_map(success, 200),
        ),
        Fault(
            "missing-field",
            f"drops {stamps[-1]!r} from the created contact",
            "response_schema_conformance",
            contact=drop_field(stamps[-1]),
        ),
        Fault(
            "id-as-string",
            f"sends {ids[0]!r} as a string",
            "response_schema_conformance",
            contact=contact_update(**dict.fromkeys(ids, str)),
        ),
        Fault(
            "viewed-true",
            f"{flags[0]!r} is true on creation",
            "server_set_values",
            contact=contact_update(**{n: lambda v: True for n in flags}),
        ),
        Fault(
            "naive-timestamps",
            "timestamps without a time zone",
            "timestamps",
            contact=contact_update(**{n: lambda v: v.rstrip("Z") for n in stamps}),
        ),
        Fault(
            "created-updated-differ",
            f"{stamps[-1]!r} is set a millisecond after {stamps[0]!r}",
            "timestamps",
            contact=later,
        ),
        Fault(
            "clock-off",
            "local time (an hour off) written as UTC",
            "timestamps",
            contact=contact_update(**{n: lambda v: _shift(v, timedelta(hours=-1)) for n in stamps}),
        ),
        Fault(
            "repeated-ids",
            "two workers share an id counter: every id is given twice",
            "unique_ids",
            contact=repeat_ids,
        ),
        Fault(
            "dropped-field",
            f"{first_optional!r} is not stored: it comes back empty",
            "echo",
            contact=contact_update(**{first_optional: lambda v: ""}),
        ),
        Fault(
            "email-lowercased",
            "email addresses are stored lowercased (shows only with capitals)",
            "echo",
            contact=contact_update(**{n: lambda v: v.lower() for n in emails}),
        ),
        Fault(
            "trimmed-strings",
            "surrounding whitespace is stripped from stored values",
            "echo",
            contact=strip_strings,
        ),
        Fault(
            "missing-subject-accepted",
            f"a missing {required!r} is stored as a default",
            "negative_data_rejection",
            request=default_required,
        ),
        Fault(
            "overlong-truncated",
            "strings over the limit are cut short instead of rejected",
            "negative_data_rejection",
            request=truncate,
        ),
        Fault(
            "null-as-blank",
            "null in an optional field is stored as an empty string",
            "negative_data_rejection",
            request=nulls_as_blank,
        ),
        Fault(
            "unknown-fields-ignored",
            "properties the contract does not define are dropped silently",
            "negative_data_rejection",
            request=drop_unknown,
        ),
        Fault(
            "422-for-invalid",
            "invalid bodies get 422 instead of 400",
            "status_code_conformance",
            response=status_map(400, 422),
        ),
        Fault(
            "500-on-non-ascii",
            "crashes (500) after saving a contact with non-ASCII text",
            "not_a_server_error",
            response=crash_when(lambda sent: any(not s.isascii() for s in _strings(sent))),
        ),
        Fault(
            "500-on-long-message",
            f"crashes (500) when {first_optional!r} is over 200 characters",
            "not_a_server_error",
            response=crash_when(lambda sent: len(str(sent.get(first_optional, ""))) > 200),
        ),
        Fault(
            "500-on-malformed-json",
            "crashes (500) on a body that is not JSON",
            "not_a_server_error",
            response=json_failure_crashes,
        ),
        Fault(
            "html-errors",
            "4xx errors are HTML pages, not JSON",
            "content_type_conformance",
            response=html_errors,
        ),
        Fault(
            "no-token-accepted",
            "a request without an Authorization header is accepted",
            "authentication_required",
            credentials=no_header_as_staff,
        ),
        Fault(
            "403-instead-of-401",
            "bad credentials get 403 instead of 401",
            "authentication_required",
            response=unauthenticated_as_403,
        ),
        Fault(
            "missing-www-authenticate",
            "401 without the WWW-Authenticate header",
            "authentication_required",
            response=lambda reply, sent: Reply(
                reply.status, reply.without(b"www-authenticate"), reply.body
            ),
        ),
        Fault(
            "validation-before-auth",
            "the body is validated before the credentials",
            "authentication_before_validation",
            response=validate_first,
        ),
        Fault(
            "non-staff-accepted",
            "any authenticated key may create: the permission check is missing",
            "permission_enforced",
            credentials=user_as_staff,
        ),
        Fault(
            "admin-rejected",
            "the permission checks for staff only, so admin keys get 403",
            "admin_key_accepted",
            credentials=admin_as_user,
        ),
    ]


_FAULTS: dict[str, Fault] | None = None


def catalogue() -> dict[str, Fault]:
    """Every fault by name."""
    global _FAULTS
    if _FAULTS is None:
        _FAULTS = {f.name: f for f in _catalogue()}
    return _FAULTS


def get(name: str) -> Fault:
    try:
        return catalogue()[name]
    except KeyError:
        raise ValueError(
            f"unknown fault {name!r}; contacts-mock --list-faults lists them"
        ) from None


def listing() -> str:
    """The catalogue as printed by `contacts-mock --list-faults`."""
    faults = catalogue().values()
    width = max(len(f.name) for f in faults)
    lines = [f"{f.name:<{width}}  {f.description} [caught by {f.caught_by}]" for f in faults]
    return "\n".join(lines)


class FaultInjector:
    """Wraps the contract's endpoint and applies one fault at its seams."""

    def __init__(self, app: ASGIApp, fault: Fault, tokens: Mapping[str, str]) -> None:
        self.app, self.fault, self.tokens = app, fault, tokens
        op = _op()
        self.path, self.method = op.path, op.method
        self.auth_header = op.auth_header.lower().encode()
        self.success = op.success.status
        self.limit = op.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != self.method:
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive, self.limit)
        except ClientDisconnect:
            return  # nobody is left to answer
        raw = body.data
        if not body.complete:
            # Over the size limit: the mock answers 413 as it would without the fault.
            await self.app(scope, replay(raw, receive, more_body=True), send)
            return
        sent = _parse(raw)
        headers = list(scope["headers"])
        if self.fault.credentials is not None:
            headers = self._credentials(headers)
        if self.fault.request is not None and isinstance(sent, dict):
            raw = json.dumps(self.fault.request(sent)).encode()
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(raw)).encode()))
        reply = await _capture(self.app, dict(scope, headers=headers), raw, receive)
        if (
            self.fault.contact is not None
            and reply.status == self.success
            and isinstance(sent, dict)
        ):
            contact = self.fault.contact(json.loads(reply.body), sent)
            reply = Reply(reply.status, reply.headers, encode_json(contact))
        if self.fault.response is not None:
            reply = self.fault.response(reply, sent)
        await send_bytes(send, reply.status, reply.headers, reply.body)

    def _credentials(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        assert self.fault.credentials is not None
        current = next(
            (v.decode("latin-1") for k, v in headers if k.lower() == self.auth_header), None
        )
        believed = self.fault.credentials(current, self.tokens)
        kept = [(k, v) for k, v in headers if k.lower() != self.auth_header]
        return kept if believed is None else [*kept, (self.auth_header, believed.encode("latin-1"))]


def inject(app: ASGIApp, name: str | None, tokens: Mapping[str, str]) -> ASGIApp:
    """The app with the named fault applied; the app itself when there is none."""
    return app if name is None else FaultInjector(app, get(name), tokens)


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return UNPARSED


async def _capture(app: ASGIApp, scope: Scope, body: bytes, upstream: Receive) -> Reply:
    reply = Reply(500, [], b"")
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            reply.status = message["status"]
            reply.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, replay(body, upstream), send)
    reply.body = b"".join(chunks)
    return reply
