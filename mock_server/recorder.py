"""The contract operation's requests as cases, for `contacts-mock --record FILE` and
`GET /__mock__/requests?format=cases`: what frontends really send, ready to replay.

A request is taken as sent: its body (read here, bounded, and replayed whole to the
app), its content type, and its credential as a role or kind, never the key. The keys
the mock knows are masked wherever else they appear (a form field holding a token by
mistake), so a case never holds one. Requests answered from `Prefer: code=...` are left
out: they never reach what a backend would do.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from starlette.types import Receive, Scope

from mock_server.asgi import ClientDisconnect, header, read_body, replay
from mock_server.auth import TokenTable
from mock_server.cases import (
    Case,
    CaseError,
    credential_of,
    dumps,
    kept_body,
    label_from,
    masked,
)
from mock_server.spec import Operation

logger = logging.getLogger("mock_server")


class CaseTaker:
    """Turns the operation's requests into case lines; knows the keys only to hide them."""

    def __init__(self, operation: Operation, tokens: TokenTable, keys: Iterable[str]) -> None:
        self.operation = operation
        self.tokens = tokens
        self.keys = tuple(keys)
        self._paths = {operation.path, operation.path.rstrip("/")}
        self._auth_header = operation.auth_header.lower().encode()

    def wants(self, scope: Scope) -> bool:
        """The operation's method on its path (either form), not answered from Prefer."""
        return (
            scope["type"] == "http"
            and scope["method"] == self.operation.method
            and scope["path"] in self._paths
            and "code=" not in (header(scope, b"prefer") or "")
        )

    async def take(self, scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
        """The request as a case line, and a receive that gives the app the whole body.

        A body over the spec's limit is kept as its first limit + 1 bytes: still over
        the limit, as the request was. None when the client went away mid-body, or when
        the request cannot be a case (a content type that is not printable ASCII).
        """
        try:
            body = await read_body(receive, self.operation.max_body_bytes)
        except ClientDisconnect:
            return None, receive
        again = replay(body.data, receive, more_body=not body.complete)
        sent, size = kept_body(body.data, body.complete)
        credential = credential_of(header(scope, self._auth_header), self.tokens)
        seconds = time.time()
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        when += f".{int(seconds % 1 * 1000):03d}Z"
        case = Case(
            label=label_from(f"{credential} at {when}, {size}"),
            source="mock",
            method=self.operation.method,
            path=self.operation.path,
            content_type=header(scope, b"content-type"),
            body=sent,
            credential=credential,
        )
        try:
            return dumps(masked(case, self.keys)), again
        except CaseError as error:
            logger.warning("request not recorded as a case: %s", error)
            return None, again
