"""The validating proxy as one ASGI app.

Every request goes to the upstream and its answer comes back unchanged. Requests of the
contract's operation (on its path, with or without the trailing slash) are judged by the
suite's oracle and checks: their body is read up to the contract's size limit (the rest
is streamed on), and the answer up to the same limit before it is passed on, so that
the X-Contract-Violations header, or with --strict a 502, can say what it broke. Every
other request and answer streams through as it comes.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from starlette.types import Message, Receive, Scope, Send

from contacts_core.asgi import (
    Body,
    ClientDisconnect,
    body_chunks,
    header,
    read_body,
    replay,
    send_bytes,
    send_json,
    send_stream,
)
from contacts_core.cases import CaseLog
from contacts_core.cors import Cors
from contacts_core.prefer import simulated_status
from contacts_core.spec import operation
from contacts_core.tokens import NONE, TOKEN_SCHEME, is_control_key
from contract_tests.contract import contract
from contract_tests.proxy import report
from contract_tests.proxy.encoding import Corrupt, NotDecodable, decoded
from contract_tests.proxy.live import (
    ANSWER_HEADERS,
    Judge,
    Keys,
    LiveAnswer,
    LiveRequest,
    Violation,
)
from contract_tests.proxy.recording import line
from contract_tests.proxy.settings import ProxySettings
from contract_tests.proxy.upstream import Answer, Upstream, UpstreamError, request_headers

logger = logging.getLogger("contract_tests.proxy")

PREFIX = "/__proxy__"
VIOLATIONS_HEADER = "X-Contract-Violations"
NEEDS_CONTROL_TOKEN = f"{PREFIX}/ needs Authorization: Token <the proxy's control token>."
# Token as the mock's control API takes it; Basic so that a browser opening the report
# asks for the key (as the password, any user name).
CHALLENGES = [
    ("WWW-Authenticate", TOKEN_SCHEME),
    ("WWW-Authenticate", 'Basic realm="contacts-contract proxy", charset="UTF-8"'),
]
NOTHING_READ = Body(b"", complete=False)  # of an answer's body, before it is streamed on


async def _read_at_most(chunks: AsyncIterator[bytes], limit: int) -> Body:
    """The first chunks of a stream up to just past `limit` bytes; the rest stays unread."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return Body(b"".join(parts), complete=False)
    return Body(b"".join(parts), complete=True)


async def _then(first: bytes, rest: AsyncIterator[bytes] | None) -> AsyncIterator[bytes]:
    if first:
        yield first
    if rest is not None:
        async for chunk in rest:
            yield chunk


def _named(violations: list[Violation]) -> tuple[str, str]:
    """The X-Contract-Violations header: the checks broken, each once."""
    return VIOLATIONS_HEADER, ", ".join(dict.fromkeys(v.check for v in violations))


def _violations_header(violations: list[Violation]) -> tuple[bytes, bytes]:
    name, value = _named(violations)
    return name.lower().encode(), value.encode("latin-1")


def _is_control_key(authorization: str | None, key: str) -> bool:
    """`Token KEY`, or `Basic` with KEY as the password; compared in constant time."""
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        authorization = f"{TOKEN_SCHEME} {decoded.partition(':')[2]}"
    return is_control_key(authorization, key)


def _simulated_code(scope: Scope) -> int | None:
    """The status a request asks to be answered with (`Prefer: code=NNN`, or
    `example=NAME` alone, as the mock reads them), if any."""
    return simulated_status(scope, operation().responses)


def _answer_headers(scope: Scope) -> tuple[tuple[str, str], ...]:
    """The request's headers that may change its answer, besides the credential and
    content type, as sent: a reproduction keeps them."""
    kept = []
    for raw_name, value in scope["headers"]:
        name = bytes(raw_name).decode("latin-1").lower()
        if name in ANSWER_HEADERS:
            # The server gives names in lower case; shown as they are usually written.
            shown = "-".join(part.capitalize() for part in name.split("-"))
            kept.append((shown, bytes(value).decode("latin-1")))
    return tuple(kept)


def _has_body(scope: Scope) -> bool:
    return header(scope, b"content-length") not in (None, "0") or (
        header(scope, b"transfer-encoding") is not None
    )


def _target(scope: Scope) -> str:
    """The path and query exactly as the client sent them."""
    path = bytes(scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return f"{path}?{query}" if query else path


class ValidatingProxy:
    """Forwards everything to `settings.upstream` and judges the contract's operation."""

    def __init__(self, settings: ProxySettings) -> None:
        self.settings = settings
        self.contract = contract()
        self.auth_header = self.contract.auth_header.lower().encode()
        self.limit = self.contract.max_body_bytes
        self.keys = Keys(settings.tokens, self.contract)
        # Hidden wherever a request may carry them: logs and recordings.
        self.secrets: tuple[str, ...] = (*settings.tokens, *filter(None, [settings.control_token]))
        self.upstream = Upstream(
            settings.upstream, settings.upstream_timeout, verify=not settings.insecure
        )
        self.judge = Judge(
            self.contract,
            self.upstream.base_url,
            settings.clock_skew,
            settings.max_violations,
            settings.max_ids,
            self.keys,
        )
        self.recording = (
            CaseLog(settings.record, settings.record_max_bytes, logger) if settings.record else None
        )
        self.own: dict[str, Callable[[Send], Awaitable[None]]] = {
            f"{PREFIX}/violations": self._violations,
            f"{PREFIX}/report": self._report,
        }
        self.asgi = Cors(
            self._dispatch,
            allow_origins=list(settings.cors_origins),
            # A frontend may call any endpoint of the backend through the proxy.
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["WWW-Authenticate", "Allow", VIOLATIONS_HEADER],
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.asgi(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1003})  # only HTTP is proxied
            return
        path = scope["path"]
        if path == PREFIX or path.startswith(PREFIX + "/"):
            await self._own(scope, send)
            return
        try:
            if self._judges(scope["method"], path):
                await self._judged(scope, receive, send)
            else:
                await self._forward(scope, receive, send)
        except ClientDisconnect:
            pass  # nobody is left to answer

    def _judges(self, method: str, path: str) -> bool:
        """The operation's requests, and the other methods on its path, which must get
        405 (`other_methods_refused`)."""
        op = self.contract.operation
        return op.is_request(method, path) or op.is_refused(method, path)

    # --- everything else: streamed both ways ----------------------------------------------

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        content = body_chunks(receive) if _has_body(scope) else b""
        try:
            answer = await self.upstream.send(
                scope["method"], _target(scope), request_headers(scope["headers"]), content
            )
        except UpstreamError as error:
            logger.warning("%s %s: %s", scope["method"], scope["path"], error)
            await send_json(send, error.status, {"detail": str(error)})
            return
        await self._pass_on(answer, send)

    async def _pass_on(
        self,
        answer: Answer,
        send: Send,
        read: Body = NOTHING_READ,
        extra: list[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Send the answer on, `extra` headers added: what was `read` of its body already,
        then the rest as it comes."""
        rest = None if read.complete else answer.chunks()
        try:
            await send_stream(
                send, answer.status, [*answer.headers, *(extra or [])], _then(read.data, rest)
            )
        except (aiohttp.ClientError, TimeoutError) as error:
            # The head is on its way: only closing the connection can tell the client.
            logger.warning("%s", self.upstream.error(error))
        finally:
            answer.close()

    # --- the operation: judged -------------------------------------------------------------

    async def _judged(self, scope: Scope, receive: Receive, send: Send) -> None:
        sent = await read_body(receive, self.limit)
        credential = self.keys.credential(header(scope, self.auth_header))
        if credential.name == NONE:
            query = bytes(scope.get("query_string", b""))
            placed = self.keys.misplaced(scope["headers"], query, sent.data)
            credential = placed or credential
        request = LiveRequest(
            method=scope["method"],
            target=_target(scope),
            path=scope["path"],
            content_type=header(scope, b"content-type"),
            body=sent,
            credential=credential,
            at=time.time(),
            headers=_answer_headers(scope),
        )
        content = (
            sent.data if sent.complete else body_chunks(replay(sent.data, receive, more_body=True))
        )
        try:
            answer = await self.upstream.send(
                request.method, request.target, request_headers(scope["headers"]), content
            )
            try:
                received = await _read_at_most(answer.chunks(), self.limit)
            except (aiohttp.ClientError, TimeoutError) as error:
                answer.close()
                raise self.upstream.error(error) from None
        except UpstreamError as error:
            await self._unanswered(request, error, send)
            return
        if _simulated_code(scope) == answer.status:
            # The answer the client asked for, not what the request should get.
            self.judge.simulation()
            await self._pass_on(answer, send, received)
            return
        try:
            # Judged as the client reads it; passed on as it came.
            seen = decoded(answer.headers, received, self.limit)
        except NotDecodable as reason:
            self._not_judged(request, str(reason))
            await self._pass_on(answer, send, received)
            return
        except Corrupt as problem:
            logger.warning("%s %s -> %d: %s", request.method, request.path, answer.status, problem)
            seen = received
        live = LiveAnswer(answer.status, answer.headers, seen, time.time())
        violations = self.judge.exchange(request, live)
        self._log(violations)
        self._record(request, live, violations)
        if not violations:
            await self._pass_on(answer, send, received)
        elif self.settings.strict:
            answer.close()
            await self._withhold(answer.status, violations, send)
        else:
            await self._pass_on(answer, send, received, [_violations_header(violations)])

    def _not_judged(self, request: LiveRequest, why: str) -> None:
        if why not in self.judge.unjudged:  # said once; the report counts them
            logger.warning("%s %s not judged: %s", request.method, request.path, why)
        self.judge.not_judged(why)

    async def _unanswered(self, request: LiveRequest, error: UpstreamError, send: Send) -> None:
        violations = self.judge.unanswered(request, str(error))
        self._log(violations)
        self._record(request, None, violations, str(error))
        await send_json(send, error.status, {"detail": str(error)}, [_named(violations)])

    async def _withhold(self, status: int, violations: list[Violation], send: Send) -> None:
        """--strict: a 502 with the violations instead of the answer that broke the contract."""
        _, names = _named(violations)
        body = {
            "detail": f"The upstream's answer broke the contract ({names}); "
            "the proxy withheld it (--strict).",
            "upstream_status": status,
            "violations": [{"check": v.check, "message": v.message} for v in violations],
        }
        await send_json(send, 502, body, [_named(violations)])

    def _record(
        self,
        request: LiveRequest,
        answer: LiveAnswer | None,
        violations: list[Violation],
        error: str | None = None,
    ) -> None:
        if self.recording is None:
            return
        recorded = line(request, answer, violations, self.secrets, error)
        if recorded is not None:
            self.recording.add(recorded)

    def _log(self, violations: list[Violation]) -> None:
        for violation in violations:
            logger.warning("%s", self.keys.mask(violation.log_line(), self.secrets))

    # --- the proxy's own routes ------------------------------------------------------------

    async def _own(self, scope: Scope, send: Send) -> None:
        """Everything under PREFIX is the proxy's, never forwarded; with a control token,
        only for who gives it."""
        key = self.settings.control_token
        if key is not None and not _is_control_key(header(scope, b"authorization"), key):
            await send_json(send, 401, {"detail": NEEDS_CONTROL_TOKEN}, CHALLENGES)
            return
        own = self.own.get(scope["path"])
        if own is None:
            routes = ", ".join(self.own)
            await send_json(send, 404, {"detail": f"Not found; the proxy serves {routes}."})
        elif scope["method"] not in ("GET", "HEAD"):
            await send_json(send, 405, {"detail": "Only GET."}, [("Allow", "GET")])
        else:
            await own(send)

    async def _violations(self, send: Send) -> None:
        await send_json(send, 200, self.judge.as_json())

    async def _report(self, send: Send) -> None:
        page = report.html(self.judge, self.upstream.base_url).encode()
        await send_bytes(send, 200, [(b"content-type", b"text/html; charset=utf-8")], page)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def aclose(self) -> None:
        await self.upstream.aclose()
        if self.recording is not None:
            self.recording.close()


def create_proxy(settings: ProxySettings) -> ValidatingProxy:
    """A new proxy, with its own judge, upstream client and recording."""
    return ValidatingProxy(settings)
