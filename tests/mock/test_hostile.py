"""Hostile input against a real contacts-mock process, over raw sockets.

Every request gets a clear 4xx (or, where HTTP leaves nothing to answer, a closed
connection), never a 5xx; the server answers normal requests afterwards, and its memory
stays bounded.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Iterator

import pytest

from contacts_core.serve import MAX_HEAD_BYTES
from contacts_core.spec import operation
from tests.support.processes import MockProcess, running_mock
from tests.support.sockets import encode_request, exchange, port_of, read_response, request, rss_kib

pytestmark = pytest.mark.process

URL = operation().path
AUTH = {"Authorization": "Token staff-token"}
JSON = {"Content-Type": "application/json"}
LIMIT = operation().max_body_bytes
MEBIBYTE = 1024 * 1024


@pytest.fixture(scope="module")
def mock_process() -> Iterator[MockProcess]:
    with running_mock("--log-level", "warning") as running:
        yield running


def post(mock_process: MockProcess, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    status, _, answer = request(port_of(mock_process), "POST", URL, body, headers)
    return status, answer


def assert_still_serving(mock_process: MockProcess) -> None:
    status, answer = post(mock_process, b'{"subject": "still here"}', {**AUTH, **JSON})
    assert status == 201, answer
    assert json.loads(answer)["subject"] == "still here"


def detail(answer: bytes) -> str:
    text: str = json.loads(answer)["detail"]
    return text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"subject": "a",}', "JSON parse error - "),
        (b'{"subject": "trunc', "JSON parse error - "),
        (b"[" * 10_000 + b"]" * 10_000, "JSON parse error - nesting is too deep."),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "JSON parse error - nesting is too deep."),
        # Parsed by Python, but deeper than the schema validator goes.
        (
            b'{"subject": ' + b"[" * 900 + b"]" * 900 + b"}",
            "JSON parse error - nesting is too deep.",
        ),
        (b'{"subject": "\xff\xfe"}', "JSON parse error - the body is not valid UTF-8."),
        (b'{"subject": "a\x00b"}', "JSON parse error - Invalid control character"),
        (
            b"9" * 5000,
            f"JSON parse error - a number has more than {sys.get_int_max_str_digits()} digits.",
        ),
        (b"\x00" * 64, "JSON parse error - "),
        (
            b'\xef\xbb\xbf{"subject": "x"}',
            "JSON parse error - the body starts with a byte order mark (U+FEFF).",
        ),
        (
            b'{"subject": "\\ud800"}',
            "JSON parse error - \\ud800 is a lone surrogate escape, not a character",
        ),
        (b'{"subject": NaN}', "JSON parse error - NaN is not valid JSON"),
    ],
    ids=[
        "trailing-comma",
        "truncated",
        "deep-arrays",
        "deep-objects",
        "900-deep",
        "invalid-utf8",
        "raw-nul",
        "5000-digits",
        "nul-bytes",
        "byte-order-mark",
        "lone-surrogate",
        "nan",
    ],
)
def test_unparseable_bodies_get_400(mock_process: MockProcess, body: bytes, message: str) -> None:
    status, answer = post(mock_process, body, {**AUTH, **JSON})
    assert status == 400
    assert detail(answer).startswith(message)
    assert_still_serving(mock_process)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (b'{"subject": 1e999}', {"subject": ["Not a valid string."]}),
        (b'{"subject": -1e999, "message": 1e-999}', None),
        (b"1e999", {"non_field_errors": ["Invalid data. Expected a dictionary, but got float."]}),
        (b'{"subject": "a\\u0000b"}', {"subject": ["Null characters are not allowed."]}),
        (b'{"subject": ' + b"[" * 200 + b"]" * 200 + b"}", {"subject": ["Not a valid string."]}),
    ],
    ids=["huge-float", "huge-and-tiny", "huge-top-level", "escaped-nul", "200-deep"],
)
def test_strange_values_get_field_errors(
    mock_process: MockProcess, body: bytes, errors: dict[str, list[str]] | None
) -> None:
    status, answer = post(mock_process, body, {**AUTH, **JSON})
    assert status == 400
    if errors is not None:
        assert json.loads(answer) == errors
    assert_still_serving(mock_process)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/jsonx", "multipart/form-data; boundary=x", "json\xe9"],
)
def test_wrong_or_missing_content_types_get_415(
    mock_process: MockProcess, content_type: str | None
) -> None:
    headers = dict(AUTH)
    if content_type is not None:
        headers["Content-Type"] = content_type
    status, answer = post(mock_process, b'{"subject": "x"}', headers)
    assert status == 415
    assert detail(answer).startswith("Unsupported media type")
    assert_still_serving(mock_process)


def _send_while_reading(
    mock_process: MockProcess, head: bytes, chunks: Iterator[bytes]
) -> tuple[int, bytes] | None:
    """Send a large request from a thread while reading the answer: (status, body), or
    None if the server closed the connection instead (allowed once it has answered)."""
    with socket.create_connection(("127.0.0.1", port_of(mock_process)), timeout=60) as sock:

        def upload() -> None:
            try:
                sock.sendall(head)
                for chunk in chunks:
                    sock.sendall(chunk)
            except OSError:
                pass  # the server may stop reading once it has answered

        sender = threading.Thread(target=upload)
        sender.start()
        try:
            status, _, answer = read_response(sock)
        except ConnectionError:
            return None
        finally:
            sender.join(timeout=60)
        return status, answer


def _ten_mebibytes(chunked: bool) -> Iterator[bytes]:
    for _ in range(10):
        data = b"x" * MEBIBYTE
        yield b"%x\r\n%s\r\n" % (len(data), data) if chunked else data
    if chunked:
        yield b"0\r\n\r\n"


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_ten_mebibyte_body_gets_413(mock_process: MockProcess, chunked: bool) -> None:
    headers = {"Host": "127.0.0.1", **AUTH, **JSON}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(10 * MEBIBYTE)
    result = _send_while_reading(
        mock_process, encode_request("POST", URL, headers), _ten_mebibytes(chunked)
    )
    if result is not None:
        status, answer = result
        assert status == 413
        assert detail(answer) == f"Request body is larger than {LIMIT} bytes."
    assert_still_serving(mock_process)


def test_64_kb_authorization_header_gets_a_clear_4xx(mock_process: MockProcess) -> None:
    status, answer = post(
        mock_process, b'{"subject": "x"}', {"Authorization": "Token " + "k" * 65536}
    )
    assert status in (401, 431)  # 431 above MAX_HEAD_BYTES, else the key is unknown
    assert detail(answer)
    assert_still_serving(mock_process)


def test_request_head_over_the_bound_gets_431(mock_process: MockProcess) -> None:
    status, answer = post(mock_process, b"{}", {**AUTH, **JSON, "X-Padding": "p" * MAX_HEAD_BYTES})
    assert status == 431
    assert detail(answer) == "Request header fields too large."
    assert_still_serving(mock_process)


def test_endless_header_is_cut_off_with_431(mock_process: MockProcess) -> None:
    head = encode_request("POST", URL, {"Host": "127.0.0.1"})[:-2] + b"X-Endless: "
    result = _send_while_reading(mock_process, head, (b"e" * 65536 for _ in range(100)))
    if result is not None:
        assert result[0] == 431
    assert_still_serving(mock_process)


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /api/contacts/ HTTP/1.1\r\nHost: x\r\nX-Nul: a\x00b\r\nContent-Length: 0\r\n\r\n",
        b"POST /api/contacts/\xff HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
        b"POST /api/contacts/ HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /api/contacts/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64,  # a TLS hello
    ],
    ids=["nul-in-header", "raw-byte-in-path", "bad-length", "two-lengths", "tls-hello"],
)
def test_broken_http_gets_400_from_the_server(mock_process: MockProcess, raw: bytes) -> None:
    status, _, _ = exchange(port_of(mock_process), raw)
    assert status == 400
    assert_still_serving(mock_process)


def test_body_cut_short_closes_the_connection(mock_process: MockProcess) -> None:
    headers = {"Host": "127.0.0.1", **AUTH, **JSON, "Content-Length": "100"}
    with socket.create_connection(("127.0.0.1", port_of(mock_process)), timeout=30) as sock:
        sock.sendall(encode_request("POST", URL, headers) + b'{"subject": ')
        sock.shutdown(socket.SHUT_WR)  # the rest never comes: nothing can be answered
        assert sock.recv(65536) == b""
    assert_still_serving(mock_process)


@pytest.mark.slow
def test_slow_client_does_not_block_others(mock_process: MockProcess) -> None:
    body = b'{"subject": "slow"}'
    raw = encode_request("POST", URL, {"Host": "x", **AUTH, **JSON, "Content-Length": "19"})
    raw += body
    started, finished_sending = threading.Event(), threading.Event()
    result: list[tuple[int, bytes]] = []

    def slow_client() -> None:
        with socket.create_connection(("127.0.0.1", port_of(mock_process)), timeout=60) as sock:
            for index in range(len(raw)):
                sock.sendall(raw[index : index + 1])
                started.set()
                finished_sending.wait(0.02)  # a pause between bytes, never set early
            finished_sending.set()
            status, _, answer = read_response(sock)
            result.append((status, answer))

    slow = threading.Thread(target=slow_client)
    slow.start()
    started.wait(30)
    for _ in range(5):
        assert_still_serving(mock_process)
    served_while_slow = not finished_sending.is_set()
    slow.join(timeout=60)
    assert served_while_slow  # the normal requests did not wait for the slow one
    assert len(result) == 1
    assert result[0][0] == 201
    assert json.loads(result[0][1])["subject"] == "slow"


def test_many_idle_connections_do_not_block_others(mock_process: MockProcess) -> None:
    idle = [
        socket.create_connection(("127.0.0.1", port_of(mock_process)), timeout=30)
        for _ in range(200)
    ]
    try:
        for sock in idle[::2]:
            sock.sendall(b"POST /api/contacts/ HTTP/1.1\r\n")  # half a request head
        assert_still_serving(mock_process)
    finally:
        for sock in idle:
            sock.close()
    assert_still_serving(mock_process)


def test_memory_stays_bounded_under_hostile_input(mock_process: MockProcess) -> None:
    for _ in range(3):
        assert_still_serving(mock_process)
    before = rss_kib(mock_process.process.pid)
    for _ in range(5):
        test_ten_mebibyte_body_gets_413(mock_process, chunked=False)
        test_ten_mebibyte_body_gets_413(mock_process, chunked=True)
        test_endless_header_is_cut_off_with_431(mock_process)
        test_64_kb_authorization_header_gets_a_clear_4xx(mock_process)
        post(mock_process, b'{"subject": "' + b"s" * (LIMIT - 20) + b'"}', {**AUTH, **JSON})
        post(mock_process, b"[" * 10_000 + b"]" * 10_000, {**AUTH, **JSON})
    growth_mib = (rss_kib(mock_process.process.pid) - before) / 1024
    assert growth_mib < 200, f"RSS grew by {growth_mib:.0f} MiB"


@pytest.mark.slow
@pytest.mark.parametrize(
    "sent",
    [
        b"",
        b"POST /api/contacts/ HTTP/1.1\r\nHost: x\r\n",
        b"POST /api/contacts/ HTTP/1.1\r\nAuthorization: Tok",
    ],
    ids=["nothing", "half a head", "half a header"],
)
def test_slow_request_head_gets_408_and_is_closed(sent: bytes) -> None:
    with running_mock("--head-timeout", "1", "--log-level", "warning") as slow_mock:
        with socket.create_connection(("127.0.0.1", port_of(slow_mock)), timeout=15) as sock:
            sock.sendall(sent)
            status, _, answer = read_response(sock)
            assert sock.recv(1) == b""  # closed by the server
        assert status == 408
        assert detail(answer) == "The request head did not arrive in time."
        assert_still_serving(slow_mock)


def test_head_timeout_does_not_cut_a_request_whose_head_arrived(mock_process: MockProcess) -> None:
    # The default timeout bounds only the head: a body may follow at any pace.
    raw = encode_request("POST", URL, {"Host": "x", **AUTH, **JSON, "Content-Length": "19"})
    with socket.create_connection(("127.0.0.1", port_of(mock_process)), timeout=30) as sock:
        sock.sendall(raw)
        for byte in b'{"subject": "late"}':
            sock.sendall(bytes([byte]))
        status, _, answer = read_response(sock)
    assert status == 201
    assert json.loads(answer)["subject"] == "late"
