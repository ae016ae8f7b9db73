"""Sending requests to the target: timeouts, a rate limit, Retry-After on 429, clear errors."""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3

from contract_tests import __version__

USER_AGENT = f"contacts-contract/{__version__}"

# 429 handling: at most this many retries, each wait capped, so a throttling target
# slows the run down but never hangs it.
MAX_RETRIES = 5
MAX_RETRY_WAIT = 30.0
# This many connection failures in a row means the target is gone, not flaky.
MAX_CONSECUTIVE_ERRORS = 5


@dataclass(frozen=True)
class Request:
    """One request exactly as sent: the body is raw bytes, headers in order."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self) -> Any:
        """The body as JSON; raises ValueError when it is not."""
        return json.loads(self.body.decode("utf-8"))

    def text(self, limit: int = 500) -> str:
        text = self.body[: limit * 4].decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + " …"


@dataclass
class Exchange:
    """A request, its response, and when (by the tester's clock) it was sent and answered."""

    request: Request
    response: Response
    sent_at: float
    received_at: float


class TargetUnreachable(Exception):
    """The target could not be reached at all (exit code 3)."""


class TargetLost(BaseException):
    """The target stopped answering mid-run.

    A BaseException so that Hypothesis does not take it for a failing example and
    try to shrink it: the run stops instead.
    """


class TransportError(Exception):
    """No response to one request (a timeout, a reset connection): a finding, not a stop."""


class RateLimiter:
    """At most `rate` request starts per second, across all workers."""

    def __init__(self, rate: float | None) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


def retry_after(value: str | None) -> float:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), capped."""
    if not value:
        return 1.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return 1.0
        seconds = when.timestamp() - time.time()
    return min(max(seconds, 0.0), MAX_RETRY_WAIT)


class Client:
    """A thread-safe client: one requests session per worker thread."""

    def __init__(
        self, timeout: float, rate_limit: float | None = None, *, verify: bool = True
    ) -> None:
        self.timeout = timeout
        self.verify = verify
        if not verify:
            # Asked for on purpose (--insecure): one warning per request would bury the report.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self.limiter = RateLimiter(rate_limit)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._errors = 0
        self._lock = threading.Lock()
        self.sent = 0
        self.throttled = 0

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            session.headers.clear()
            session.headers["User-Agent"] = USER_AGENT
            session.trust_env = False
            session.verify = self.verify
            with self._lock:
                self._sessions.append(session)
        return session

    def send(self, request: Request) -> Exchange:
        """Send the request (retrying on 429 as the target asks); raise TransportError
        when it gets no response, TargetLost when the target no longer answers at all."""
        for attempt in range(MAX_RETRIES + 1):
            self.limiter.wait()
            sent_at = time.time()
            try:
                raw = self._session().request(
                    request.method,
                    request.url,
                    headers=dict(request.headers),
                    data=request.body,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
                body = raw.content
            except requests.RequestException as error:
                self._failed(request, error)
                raise TransportError(_describe(error, self.timeout)) from None
            received_at = time.time()
            with self._lock:
                self._errors = 0
                self.sent += 1
            if raw.status_code == 429 and attempt < MAX_RETRIES:
                with self._lock:
                    self.throttled += 1
                time.sleep(retry_after(raw.headers.get("retry-after")))
                continue
            response = Response(
                status=raw.status_code,
                headers={k.lower(): v for k, v in raw.headers.items()},
                body=body,
                elapsed=received_at - sent_at,
            )
            return Exchange(request, response, sent_at, received_at)
        raise AssertionError("unreachable")  # pragma: no cover - the loop always returns

    def _failed(self, request: Request, error: Exception) -> None:
        with self._lock:
            self._errors += 1
            self.sent += 1
            lost = self._errors >= MAX_CONSECUTIVE_ERRORS
        if lost:
            raise TargetLost(
                f"{request.url} stopped answering: {_describe(error, self.timeout)}"
            ) from None

    def probe(self, url: str) -> None:
        """Raise TargetUnreachable unless the URL answers an HTTP request."""
        try:
            self._session().request("POST", url, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as error:
            raise TargetUnreachable(
                f"cannot reach {url}: {_describe(error, self.timeout)}"
            ) from None

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()


def _describe(error: Exception, timeout: float) -> str:
    if isinstance(error, requests.Timeout):
        return f"no response within {timeout:g} s"
    if isinstance(error, requests.exceptions.SSLError):
        if "CERTIFICATE_VERIFY_FAILED" in str(error):
            return "its TLS certificate is not trusted (--insecure skips the check)"
        return "the TLS handshake failed"
    if isinstance(error, requests.ConnectionError):
        reason = str(error)
        if "Connection refused" in reason:
            return "connection refused"
        if "Name or service not known" in reason or "nodename nor servname" in reason:
            return "unknown host"
        return "connection failed"
    return type(error).__name__
