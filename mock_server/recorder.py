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

from mock_server.asgi import ClientDisconnect, read_body, replay
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
        # The request headers a case holds something of.
        self._wanted = {self._auth_header, b"content-type", b"prefer"}

    def wants(self, scope: Scope) -> bool:
        """The operation's method on its path (either form)."""
        return (
            scope["type"] == "http"
            and scope["method"] == self.operation.method
            and scope["path"] in self._paths
        )

    async def take(self, scope: Scope, receive: Receive) -> tuple[str | None, Receive]:
        """The request as a case line, and a receive that gives the app the whole body.

        A body over the spec's limit is kept as its first limit + 1 bytes: still over
        the limit, as the request was. None for a request answered from Prefer, when the
        client went away mid-body, or when the request cannot be a case (a content type
        that is not printable ASCII).
        """
        headers = {name: value for name, value in scope["headers"] if name in self._wanted}
        if b"code=" in headers.get(b"prefer", b""):
            return None, receive
        try:
            body = await read_body(receive, self.operation.max_body_bytes)
        except ClientDisconnect:
            return None, receive
        again = replay(body.data, receive, more_body=not body.complete)
        sent, size = kept_body(body.data, body.complete)
        authorization = headers.get(self._auth_header)
        credential = credential_of(authorization and authorization.decode("latin-1"), self.tokens)
        content_type = headers.get(b"content-type")
        seconds = time.time()
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        when += f".{int(seconds % 1 * 1000):03d}Z"
        case = Case(
            label=label_from(f"{credential} at {when}, {size}"),
            source="mock",
            method=self.operation.method,
            path=scope["path"],
            content_type=content_type and content_type.decode("latin-1"),
            body=sent,
            credential=credential,
        )
        try:
            return dumps(masked(case, self.keys)), again
        except CaseError as error:
            logger.warning("request not recorded as a case: %s", error)
            return None, again
