"""The contract operation's requests as cases, for `contacts-mock --record FILE` and
`GET /__mock__/requests?format=cases`: what frontends really send, ready to replay.

A request is taken as sent: its body (as `arrival` read it, bounded), its content
type, and its credential as a role or kind, never the key. The journal keeps that much of each (`store.SentRequest`); the case line is built when a recording
or someone asks for it. The keys the mock knows are masked wherever else they appear (a
form field holding a token by mistake), so a case never holds one. Requests answered
from `Prefer: code=...` or `example=...` are left out: they never reach what a backend would do.

In a recording, `seen` holds what the mock answered beside each case, in the proxy's
recordings' shape (`contract_tests.proxy.recording`): the time, the response (status,
headers, body) and the error (none: the mock answers every request). `violations` is
empty: the mock does not judge its own answers. The journal keeps no answers, so its
cases have no `seen`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, NamedTuple

from starlette.types import Scope

from contacts_core.cases import (
    Case,
    CaseError,
    body_json,
    dumps,
    kept_body,
    label_from,
    masked,
)
from contacts_core.clock import rfc3339
from contacts_core.spec import Operation
from contacts_core.tokens import TokenTable, credential_of, hidden
from mock_server.arrival import arrival
from mock_server.prefer import is_simulated
from mock_server.store import JOURNAL_BODY_BYTES, SentRequest

logger = logging.getLogger("mock_server")


class Answered(NamedTuple):
    """What the mock answered a request, as a recording keeps it."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


class CaseTaker:
    """Takes what cases need of the operation's requests, and makes the case lines;
    knows the keys only to hide them."""

    def __init__(self, operation: Operation, tokens: TokenTable, keys: Iterable[str]) -> None:
        self.operation = operation
        self.tokens = tokens
        self.keys = tuple(keys)
        self._auth_header = operation.auth_header.lower().encode()
        # The request headers a case holds something of.
        self._wanted = {self._auth_header, b"content-type", b"prefer"}

    def take(self, scope: Scope) -> SentRequest | None:
        """What a case needs of an operation request, from its body as read on arrival.
        None for any other request, for one answered from Prefer, or when the client went
        away mid-body."""
        arrived = arrival(scope)
        if arrived is None or arrived.body is None or is_simulated(scope):
            return None
        body = arrived.body
        headers = {name: value for name, value in scope["headers"] if name in self._wanted}
        kept, _ = kept_body(body.data, body.complete)
        authorization = headers.get(self._auth_header)
        content_type = headers.get(b"content-type")
        return SentRequest(
            credential=credential_of(
                authorization and authorization.decode("latin-1"), self.tokens
            ),
            content_type=content_type and content_type.decode("latin-1"),
            body=kept,
            cut=len(kept) < len(body.data) or not body.complete,
        )

    @staticmethod
    def journaled(sent: SentRequest) -> SentRequest:
        """What the journal keeps of it: a body over JOURNAL_BODY_BYTES is left out."""
        too_large = sent.body is not None and len(sent.body) > JOURNAL_BODY_BYTES
        return sent._replace(body=None) if too_large else sent

    def line(
        self, path: str, sent: SentRequest, at: float, answered: Answered | None = None
    ) -> str | None:
        """The request as a case line, with what the mock answered in `seen`; None when
        it cannot be one (its body was not kept, or its content type is not printable
        ASCII)."""
        if sent.body is None:
            return None
        when = rfc3339(at, 3)
        size = f"its first {len(sent.body)} bytes" if sent.cut else f"{len(sent.body)} bytes"
        case = Case(
            label=label_from(f"{sent.credential} at {when}, {size}"),
            source="mock",
            method=self.operation.method,
            path=path,
            content_type=sent.content_type,
            body=sent.body,
            credential=sent.credential,
        )
        seen: dict[str, Any] | None = None
        if answered is not None:
            response = self._response(answered)
            seen = {"time": rfc3339(at), "response": response, "error": None, "violations": []}
        try:
            return dumps(masked(case, self.keys), seen)
        except CaseError as error:
            logger.warning("request not recorded as a case: %s", error)
            return None

    def _response(self, answered: Answered) -> dict[str, Any]:
        body, _ = kept_body(answered.body)
        shown: dict[str, Any] = {
            "status": answered.status,
            "headers": [
                [n.decode("latin-1"), hidden(v.decode("latin-1"), self.keys)]
                for n, v in answered.headers
            ],
            **{name: hidden(value, self.keys) for name, value in body_json(body).items()},
        }
        if len(body) < len(answered.body):
            shown["body_truncated"] = True
        return shown
