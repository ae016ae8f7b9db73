"""ASGI middlewares of the mock, each with one job."""

from __future__ import annotations

import asyncio
import random
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contacts_core.asgi import header, send_json
from contacts_core.cases import CaseLog
from contacts_core.spec import Operation
from contacts_core.tokens import TokenTable
from mock_server.arrival import arrival
from mock_server.auth import authenticate, authorize
from mock_server.errors import ApiError
from mock_server.prefer import prefer_headers, preferences
from mock_server.recorder import Answered, CaseTaker
from mock_server.store import ContactStore, JournalEntry


class PathAlias:
    """Serve `alias` exactly as `target` (no redirect: a redirected POST breaks clients)."""

    def __init__(self, app: ASGIApp, alias: str, target: str) -> None:
        self.app, self.alias, self.target = app, alias, target

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == self.alias:
            scope = dict(scope, path=self.target, raw_path=self.target.encode())
        await self.app(scope, receive, send)


class ContractGate:
    """Before body validation: the size limit (413), authentication (401), the
    permission (403) and the content type (415), in that order, for the operation.

    The body is the one read on arrival (`arrival`), within the size limit.
    """

    def __init__(self, app: ASGIApp, operation: Operation, tokens: TokenTable) -> None:
        self.app = app
        self.operation = operation
        self.tokens = tokens
        self.auth_header = operation.auth_header.lower().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = arrival(scope)
        if arrived is None:
            await self.app(scope, receive, send)
            return
        limit = self.operation.max_body_bytes
        declared = header(scope, b"content-length")
        if declared is not None and (not _is_number(declared) or int(declared) > limit):
            raise _too_large(limit)
        role = authenticate(header(scope, self.auth_header), self.tokens)
        authorize(role, self.operation.roles)
        content_type = header(scope, b"content-type") or ""
        if not self.operation.accepts_media(content_type):
            raise ApiError.detail(415, f'Unsupported media type "{content_type}" in request.')
        if arrived.body is None:
            raise ApiError.detail(400, "The client closed the connection before the body ended.")
        if not arrived.body.complete or len(arrived.body.data) > limit:
            raise _too_large(limit)
        await self.app(scope, receive, send)


def _is_number(text: str) -> bool:
    # str.isdigit alone accepts digits such as "²" that int() refuses.
    return text.isascii() and text.isdigit()


def _too_large(limit: int) -> ApiError:
    return ApiError.detail(413, f"Request body is larger than {limit} bytes.")


class PreferCode:
    """`Prefer: code=NNN` answers the spec's documented NNN response with its first
    example, `Prefer: code=NNN, example=NAME` with a named one (Prism's convention), and
    `Prefer: example=NAME` alone with that example at its own status, so a frontend can
    show every error state on purpose. `Preference-Applied` says what was answered.
    Nothing is stored."""

    def __init__(self, app: ASGIApp, operation: Operation) -> None:
        self.app = app
        self.operation = operation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if arrival(scope) is not None:
            wanted = preferences(prefer_headers(scope))
            if "code" in wanted:
                await self._answer(wanted["code"], wanted.get("example"), send)
                return
            if "example" in wanted:
                await self._answer(self._status_of(wanted["example"]), wanted["example"], send)
                return
        await self.app(scope, receive, send)

    def _status_of(self, example: str) -> str:
        statuses = [s for s, r in self.operation.responses.items() if example in r.examples]
        if len(statuses) != 1:
            names = ", ".join(n for r in self.operation.responses.values() for n in r.examples)
            raise ApiError.detail(
                400,
                f"Prefer: example={example} is not an example of this operation; use one of {names}.",
            )
        return str(statuses[0])

    async def _answer(self, code: str, example: str | None, send: Send) -> None:
        responses = self.operation.responses
        response = responses.get(int(code)) if _is_number(code) else None
        if response is None:
            codes = ", ".join(str(status) for status in sorted(responses))
            raise ApiError.detail(
                400,
                f"Prefer: code={code} is not documented for this operation; use one of {codes}.",
            )
        if example is not None and example not in response.examples:
            names = ", ".join(response.examples)
            raise ApiError.detail(
                400, f"Prefer: example={example} is not an example of {code}; use one of {names}."
            )
        name = example or next(iter(response.examples), None)
        applied = f"code={response.status}" + (f", example={name}" if name else "")
        body = response.examples[name] if name else response.example
        headers = [*response.headers.items(), ("Preference-Applied", applied)]
        await send_json(send, response.status, body, headers)


class Latency:
    """Delay every API response by `latency` plus up to `jitter` seconds."""

    def __init__(self, app: ASGIApp, prefix: str, latency: float, jitter: float) -> None:
        self.app, self.prefix, self.latency, self.jitter = app, prefix, latency, jitter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            await asyncio.sleep(self.latency + random.uniform(0, self.jitter))
        await self.app(scope, receive, send)


class Journal:
    """Record every request but the admin API's in the store's journal (method, path,
    status, time, duration), never headers or tokens; the contract operation's requests
    also as cases (see `recorder`), in the journal (bounded) and in `log` if given."""

    def __init__(
        self,
        app: ASGIApp,
        store: ContactStore,
        skip_prefix: str,
        taker: CaseTaker,
        log: CaseLog | None = None,
    ) -> None:
        self.app, self.store, self.skip_prefix = app, store, skip_prefix
        self.taker, self.log = taker, log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefix):
            await self.app(scope, receive, send)
            return
        started = time.time()
        status = 0
        sent = self.taker.take(scope)
        # The answer is kept only for a recording's case line, bounded as a case's body.
        keep_answer = sent is not None and self.log is not None
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        kept = 0

        async def record_status(message: Message) -> None:
            nonlocal status, headers, kept
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif keep_answer and message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                if kept <= self.taker.operation.max_body_bytes:
                    chunks.append(chunk)
                    kept += len(chunk)
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            duration = time.time() - started
            if keep_answer and sent is not None and self.log is not None:
                answered = Answered(status, headers, b"".join(chunks))
                line = self.taker.line(scope["path"], sent, started, answered)
                if line is not None:
                    self.log.add(line)
            if sent is not None:
                sent = self.taker.journaled(sent)
            self.store.record(
                JournalEntry(scope["method"], scope["path"], status, started, duration, sent)
            )
