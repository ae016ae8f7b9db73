"""The answer as its client sees it: the upstream's Content-Encoding undone, for judging only
(the client gets the bytes as they came).

Staging servers compress for browsers behind nginx and most CDNs: gzip, deflate and br
are decoded (br by Google's Brotli bindings), each layer in the reverse of the order the
header lists it, and every layer's output bounded to just past the contract's size limit,
so a small answer that inflates to gigabytes costs no more than a large one. Any other
coding (zstd, compress) cannot be judged: `NotDecodable` says so.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import brotli

from contacts_core.asgi import Body

# gzip, or a zlib stream (32: zlib finds which from the header).
_GZIP_OR_ZLIB = 32 + zlib.MAX_WBITS
_RAW_DEFLATE = -zlib.MAX_WBITS
DECODED = ("gzip", "x-gzip", "deflate", "br")


class NotDecodable(Exception):
    """An encoding the proxy cannot undo; the message says which."""


class Corrupt(Exception):
    """The body is not in the encoding its header names; a client cannot read it either."""


def codings(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """The content codings applied, in the order applied (identity left out)."""
    found = []
    for name, value in headers:
        if name.lower() == b"content-encoding":
            for coding in value.decode("latin-1").split(","):
                coding = coding.strip().lower()
                if coding and coding != "identity":
                    found.append(coding)
    return found


def decoded(headers: Iterable[tuple[bytes, bytes]], body: Body, limit: int) -> Body:
    """The body with every content coding undone, at most `limit` + 1 bytes of it (then
    incomplete). Raises NotDecodable for a coding it does not know, Corrupt for data that
    is not in the coding named."""
    applied = codings(headers)
    unknown = [c for c in applied if c not in DECODED]
    if unknown:
        raise NotDecodable(f"Content-Encoding {', '.join(unknown)}, which the proxy cannot decode")
    for coding in reversed(applied):
        body = _brotli(body, limit) if coding == "br" else _zlib(body, limit, coding)
    return body


def _zlib(body: Body, limit: int, coding: str) -> Body:
    try:
        return _inflate(body, limit, _GZIP_OR_ZLIB)
    except zlib.error as error:
        if coding != "deflate":
            raise Corrupt(f"the body is not {coding}: {error}") from None
    # "deflate" is a zlib stream (RFC 9110), but some servers send raw deflate data.
    try:
        return _inflate(body, limit, _RAW_DEFLATE)
    except zlib.error as error:
        raise Corrupt(f"the body is not deflate: {error}") from None


def _inflate(body: Body, limit: int, wbits: int) -> Body:
    out, data = b"", body.data
    while True:
        inflater = zlib.decompressobj(wbits)
        out += inflater.decompress(data, limit + 1 - len(out))
        if len(out) > limit or inflater.unconsumed_tail:
            return Body(out[: limit + 1], complete=False)
        if not inflater.eof:
            return Body(out, complete=False)  # cut short: only the first bytes came
        # gzip allows several members one after the other; anything else after the end
        # of a stream is left alone, as clients do.
        data = inflater.unused_data
        if wbits == _RAW_DEFLATE or not data.startswith(b"\x1f\x8b"):
            return Body(out, complete=body.complete)


def _brotli(body: Body, limit: int) -> Body:
    decompressor = brotli.Decompressor()
    try:
        # The output buffer stops growing at the limit (within one internal block).
        out = decompressor.process(body.data, output_buffer_limit=limit + 1)
    except brotli.error as error:
        raise Corrupt(f"the body is not br: {error}") from None
    if len(out) > limit:
        return Body(out[: limit + 1], complete=False)
    return Body(out, complete=body.complete and decompressor.is_finished())
