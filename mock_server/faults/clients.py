"""Answers the contract allows as written but that break real clients: each raises one of
the contract suite's warnings, and no check fails on it."""

from __future__ import annotations

from typing import Any

from mock_server.faults.registry import Reply, facts, json_reply, response_fault, route_fault

NON_FIELD = ("detail", "non_field_errors")


@route_fault(
    "heading-path-redirect",
    "{f.heading_path} (the document's heading path) redirects (301) to {f.op.path}",
    "heading_path_served",
    warning=True,
)
def heading_path_redirect() -> Reply | None:
    # Django's APPEND_SLASH: clients that follow it re-send the POST as a GET.
    return Reply(301, [(b"location", facts().op.path.encode())], b"")


@response_fault(
    "www-authenticate-bearer",
    "401 asks for the Bearer scheme instead of {f.scheme}",
    "www_authenticate_scheme",
    warning=True,
)
def www_authenticate_bearer(reply: Reply, sent: Any) -> Reply:
    if reply.status != 401:
        return reply
    return Reply(
        401,
        [*reply.without(b"www-authenticate"), (b"www-authenticate", b'Bearer realm="api"')],
        reply.body,
    )


@response_fault(
    "400-without-field-names",
    "invalid fields get a general 400 message that names no field",
    "field_errors_named",
    warning=True,
)
def no_field_names(reply: Reply, sent: Any) -> Reply:
    if reply.status != 400 or any(f'"{name}"'.encode() in reply.body for name in NON_FIELD):
        return reply
    return json_reply(400, {"detail": "Invalid input."})


@response_fault(
    "json-latin1-charset",
    "JSON answers declare charset=iso-8859-1 while their bytes are UTF-8",
    "json_charset",
    warning=True,
)
def json_latin1_charset(reply: Reply, sent: Any) -> Reply:
    if reply.header(b"content-type") != b"application/json":
        return reply
    return Reply(
        reply.status,
        [
            *reply.without(b"content-type"),
            (b"content-type", b"application/json; charset=iso-8859-1"),
        ],
        reply.body,
    )
