"""The upstream: one pooled HTTP client, headers as a proxy must pass them, clear errors.

Requests and answers pass through unchanged but for what HTTP says belongs to one
connection only (RFC 9110 section 7.6.1): the hop-by-hop headers and the headers the
Connection header names. Host is the upstream's, as for any reverse proxy, and Via
says the message went through this proxy (RFC 9110 section 7.6.3).
"""

from __future__ import annotations

import http.cookiejar
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass

import httpx

RawHeaders = list[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
VIA = b"1.1 contacts-contract-proxy"


def end_to_end(headers: Iterable[tuple[bytes, bytes]]) -> RawHeaders:
    """The headers without the hop-by-hop ones and those the Connection header lists."""
    pairs = [(bytes(name), bytes(value)) for name, value in headers]
    named = {
        option.strip().lower().encode("latin-1")
        for name, value in pairs
        if name.lower() == b"connection"
        for option in value.decode("latin-1").split(",")
    }
    return [(n, v) for n, v in pairs if n.lower() not in HOP_BY_HOP and n.lower() not in named]


def request_headers(headers: Iterable[tuple[bytes, bytes]]) -> RawHeaders:
    """What goes upstream: the end-to-end headers but Host (the client's used its name for
    the proxy), and Via extended with this proxy."""
    kept = end_to_end(headers)
    via = [v for n, v in kept if n.lower() == b"via"]
    others = [(n, v) for n, v in kept if n.lower() not in (b"host", b"via")]
    return [*others, (b"via", b", ".join([*via, VIA]))]


class UpstreamError(Exception):
    """No answer from the upstream. `status`: 504 when it was too slow, 502 otherwise;
    the message names the cause."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Answer:
    """The upstream's answer: status, end-to-end headers, and its body still to be read."""

    status: int
    headers: RawHeaders
    response: httpx.Response

    def chunks(self) -> AsyncIterator[bytes]:
        """The body's bytes exactly as they came (no decoding of Content-Encoding)."""
        return self.response.aiter_raw()


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    # The client is shared by every user of the proxy: it must never keep one's cookies
    # and send them along with another's requests.
    def set_ok(self, cookie: http.cookiejar.Cookie, request: object) -> bool:
        return False


class Upstream:
    """Sends requests to `base_url` (scheme, host, port and an optional path prefix)."""

    def __init__(self, base_url: str, timeout: float, *, verify: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.AsyncClient(
            timeout=timeout,
            verify=verify,
            trust_env=False,  # no proxy from the environment between us and the upstream
            follow_redirects=False,  # a redirect is the upstream's answer, passed on as is
            cookies=http.cookiejar.CookieJar(policy=_NoCookies()),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
        )

    async def send(
        self,
        method: str,
        target: str,
        headers: RawHeaders,
        content: bytes | AsyncIterable[bytes],
    ) -> Answer:
        """Send the request; its answer once the head has arrived. Raises UpstreamError."""
        url = self.base_url + target
        # Built directly, not with client.build_request: the client would add its own
        # default headers (User-Agent, Accept, ...), and the request must go as it came.
        request = httpx.Request(method, url, headers=headers, content=content)
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as error:
            raise self.error(error) from None
        # Names in lower case, as the ASGI servers and Starlette's CORS headers expect them
        # (HTTP names are case-insensitive): the CORS middleware then replaces a header the
        # upstream set instead of repeating it.
        headers = [(name.lower(), value) for name, value in end_to_end(response.headers.raw)]
        return Answer(response.status_code, headers, response)

    def error(self, error: Exception) -> UpstreamError:
        """What a failure to get (all of) an answer means, for the client and the log."""
        where = self.base_url
        if isinstance(error, httpx.TimeoutException):
            return UpstreamError(
                504, f"the upstream {where} did not answer within {self.timeout:g} s"
            )
        if isinstance(error, httpx.ConnectError):
            reason = str(error)
            if "refused" in reason.lower():
                return UpstreamError(502, f"the upstream {where} refused the connection")
            if "name or service not known" in reason.lower() or "nodename" in reason.lower():
                return UpstreamError(502, f"the upstream's host name {where} is unknown")
            if "certificate" in reason.lower():
                return UpstreamError(
                    502, f"the upstream {where}'s TLS certificate is not trusted (--insecure)"
                )
            return UpstreamError(502, f"cannot connect to the upstream {where}: {reason}")
        if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
            return UpstreamError(
                502, f"the upstream {where} closed the connection before its answer ended"
            )
        return UpstreamError(502, f"the upstream {where} failed: {type(error).__name__}: {error}")

    async def aclose(self) -> None:
        await self._client.aclose()
