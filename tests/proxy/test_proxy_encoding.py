"""Undoing an answer's Content-Encoding for judging: every coding a staging server uses,
layered codings in the right order, bounded output (a small answer that inflates to
gigabytes is read no further than a large one), cut-short and corrupt bodies, and
codings the proxy cannot decode."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest

from contacts_core.asgi import Body
from contract_tests.proxy.encoding import Corrupt, NotDecodable, codings, decoded

LIMIT = 1024 * 1024
TEXT = b'{"subject": "Gr\xc3\xbc\xc3\x9fe", "message": "' + b"x" * 5000 + b'"}'
ENCODERS = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
}


def headers(value: str) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/json"), (b"Content-Encoding", value.encode())]


@pytest.mark.parametrize("coding", sorted(ENCODERS))
def test_each_coding_is_undone(coding: str) -> None:
    body = decoded(headers(coding), Body(ENCODERS[coding](TEXT), complete=True), LIMIT)
    assert body == Body(TEXT, complete=True)


def test_raw_deflate_is_read_too() -> None:
    raw = zlib.compress(TEXT, wbits=-zlib.MAX_WBITS)
    assert decoded(headers("deflate"), Body(raw, complete=True), LIMIT).data == TEXT


def test_layered_codings_are_undone_last_first() -> None:
    data = brotli.compress(gzip.compress(TEXT))  # gzip applied first, then br
    for value in ("gzip, br", "gzip,br", "identity, gzip, br"):
        assert decoded(headers(value), Body(data, complete=True), LIMIT).data == TEXT
    assert codings([(b"content-encoding", b"gzip"), (b"content-encoding", b" BR ")]) == [
        "gzip",
        "br",
    ]


def test_no_coding_or_identity_leaves_the_body_alone() -> None:
    for value in ([], headers("identity")):
        assert decoded(value, Body(TEXT, complete=False), LIMIT) == Body(TEXT, complete=False)


def test_several_gzip_members_are_one_body() -> None:
    data = gzip.compress(TEXT[:100]) + gzip.compress(TEXT[100:])
    assert decoded(headers("gzip"), Body(data, complete=True), LIMIT).data == TEXT


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_body_that_inflates_past_the_limit_is_read_to_just_past_it(coding: str) -> None:
    bomb = ENCODERS[coding](b"\0" * (16 * LIMIT))  # 16 MiB of zeros: a few KiB compressed
    assert len(bomb) < LIMIT // 50
    body = decoded(headers(coding), Body(bomb, complete=True), LIMIT)
    assert body == Body(b"\0" * (LIMIT + 1), complete=False)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_body_cut_short_decodes_to_its_first_bytes(coding: str) -> None:
    data = ENCODERS[coding](TEXT)
    body = decoded(headers(coding), Body(data[: len(data) // 2], complete=False), LIMIT)
    assert not body.complete
    assert TEXT.startswith(body.data)


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_body_not_in_its_coding_is_corrupt(coding: str) -> None:
    with pytest.raises(Corrupt, match=f"the body is not {coding}: "):
        decoded(headers(coding), Body(TEXT, complete=True), LIMIT)


@pytest.mark.parametrize("value", ["zstd", "compress", "gzip, zstd"])
def test_a_coding_it_does_not_know_is_named(value: str) -> None:
    unknown = value.split(", ")[-1]
    with pytest.raises(NotDecodable, match=f"^Content-Encoding {unknown}, which the proxy"):
        decoded(headers(value), Body(TEXT, complete=True), LIMIT)
