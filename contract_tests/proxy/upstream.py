"""The upstream: one pooled HTTP client (aiohttp), headers as a proxy must pass them, clear
errors.

Requests and answers pass through unchanged but for what HTTP says belongs to one
connection only (RFC 9110 section 7.6.1): the hop-by-hop headers and the headers the
Connection header names. Host is the upstream's, as for any reverse proxy, and Via
says the message went through this proxy (RFC 9110 section 7.6.3).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass

import aiohttp
import yarl

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
# Connections to the upstream at once; more requests wait for one.
MAX_CONNECTIONS = 256


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
    response: aiohttp.ClientResponse

    def chunks(self) -> AsyncIterator[bytes]:
        """The body's bytes exactly as they came (Content-Encoding is not decoded)."""
        return self.response.content.iter_any()

    def close(self) -> None:
        self.response.release()


# What aiohttp would add on its own: the request must go as it came.
_NOT_ADDED = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


class Upstream:
    """Sends requests to `base_url` (scheme, host, port and an optional path prefix)."""

    def __init__(self, base_url: str, timeout: float, *, verify: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.verify = verify
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the server's event loop, as aiohttp requires.
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS, ssl=self.verify),
                # The session serves every user of the proxy: it must never keep one's
                # cookies and send them along with another's requests.
                cookie_jar=aiohttp.DummyCookieJar(),
                skip_auto_headers=_NOT_ADDED,
                auto_decompress=False,
                # Connecting, and each wait for the upstream's bytes, is bounded.
                timeout=aiohttp.ClientTimeout(
                    total=None, sock_connect=self.timeout, sock_read=self.timeout
                ),
            )
        return self._session

    async def send(
        self,
        method: str,
        target: str,
        headers: RawHeaders,
        content: bytes | AsyncIterable[bytes],
    ) -> Answer:
        """Send the request; its answer once the head has arrived. Raises UpstreamError."""
        # encoded=True: the path and query go exactly as the client wrote them.
        url = yarl.URL(self.base_url + target, encoded=True)
        pairs = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in headers]
        try:
            response = await self._client().request(
                method, url, headers=pairs, data=content, allow_redirects=False
            )
        except (aiohttp.ClientError, TimeoutError) as error:
            raise self.error(error) from None
        # Names in lower case, as ASGI servers and Starlette's CORS middleware expect them
        # (HTTP names are case-insensitive): the middleware then replaces a CORS header the
        # upstream set instead of repeating it.
        raw = [(name.lower(), value) for name, value in end_to_end(response.raw_headers)]
        return Answer(response.status, raw, response)

    def error(self, error: BaseException) -> UpstreamError:
        """What a failure to get (all of) an answer means, for the client and the log."""
        where = self.base_url
        if isinstance(error, TimeoutError):
            return UpstreamError(
                504, f"the upstream {where} did not answer within {self.timeout:g} s"
            )
        if isinstance(error, aiohttp.ClientConnectorCertificateError):
            return UpstreamError(
                502, f"the upstream {where}'s TLS certificate is not trusted (--insecure)"
            )
        if isinstance(error, aiohttp.ClientConnectorDNSError):
            return UpstreamError(502, f"the upstream's host name in {where} is unknown")
        if isinstance(error, aiohttp.ClientConnectorError):
            if isinstance(error.os_error, ConnectionRefusedError):
                return UpstreamError(502, f"the upstream {where} refused the connection")
            return UpstreamError(502, f"cannot connect to the upstream {where}: {error.strerror}")
        if isinstance(error, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
            return UpstreamError(
                502, f"the upstream {where} closed the connection before its answer ended"
            )
        return UpstreamError(502, f"the upstream {where} failed: {type(error).__name__}: {error}")

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
