"""Wrong answers: status codes, crashes and content types."""

from __future__ import annotations

from typing import Any

from mock_server.faults.registry import (
    UNPARSED,
    Reply,
    facts,
    json_reply,
    method_fault,
    response_fault,
)

SERVER_ERROR = {"detail": "A server error occurred."}


def _strings(sent: Any) -> list[str]:
    return [v for v in sent.values() if isinstance(v, str)] if isinstance(sent, dict) else []


def _crash_after_saving(reply: Reply, crashes: bool) -> Reply:
    # The contact is saved, then a later step (a notification, a log line) crashes.
    return json_reply(500, SERVER_ERROR) if reply.status == facts().success and crashes else reply


@response_fault(
    "status-200", "answers 200 instead of {f.success} on creation", "positive_data_acceptance"
)
def status_200(reply: Reply, sent: Any) -> Reply:
    return Reply(200, reply.headers, reply.body) if reply.status == facts().success else reply


@response_fault(
    "422-for-invalid", "invalid bodies get 422 instead of 400", "status_code_conformance"
)
def status_422_for_invalid(reply: Reply, sent: Any) -> Reply:
    return Reply(422, reply.headers, reply.body) if reply.status == 400 else reply


@response_fault(
    "500-on-non-ascii",
    "crashes (500) after saving a contact with non-ASCII text",
    "not_a_server_error",
)
def crash_on_non_ascii(reply: Reply, sent: Any) -> Reply:
    return _crash_after_saving(reply, any(not s.isascii() for s in _strings(sent)))


@response_fault(
    "500-on-long-message",
    "crashes (500) when {f.first_optional!r} is over 200 characters",
    "not_a_server_error",
)
def crash_on_long_message(reply: Reply, sent: Any) -> Reply:
    long = isinstance(sent, dict) and len(str(sent.get(facts().first_optional, ""))) > 200
    return _crash_after_saving(reply, long)


@response_fault(
    "500-on-malformed-json", "crashes (500) on a body that is not JSON", "not_a_server_error"
)
def crash_on_malformed_json(reply: Reply, sent: Any) -> Reply:
    return json_reply(500, SERVER_ERROR) if sent is UNPARSED and reply.status == 400 else reply


@response_fault("html-errors", "4xx errors are HTML pages, not JSON", "content_type_conformance")
def html_errors(reply: Reply, sent: Any) -> Reply:
    if not 400 <= reply.status < 500:
        return reply
    page = f"<html><body><h1>Error {reply.status}</h1></body></html>".encode()
    return Reply(
        reply.status,
        [*reply.without(b"content-type"), (b"content-type", b"text/html; charset=utf-8")],
        page,
    )


@method_fault(
    "get-served",
    "GET on {f.op.path} answers 200 with a list (a method other than {f.op.method} is served)",
    "other_methods_refused",
)
def get_served(method: str) -> Reply | None:
    # A list view left on the create view's route: it shows every contact to any key.
    return json_reply(200, []) if method == "GET" else None


@method_fault(
    "405-without-allow",
    "other methods on {f.op.path} get 405 without the Allow header",
    "other_methods_refused",
)
def no_allow_header(method: str) -> Reply | None:
    return json_reply(405, {"detail": f'Method "{method}" not allowed.'})
