"""The suite's HTTP client against a scripted loopback server: 429, timeouts, lost targets."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contract_tests import http
from contract_tests.http import Client, Request, TargetLost, TransportError, retry_after
from tests.support.processes import free_port

pytestmark = pytest.mark.process


class Script:
    """What the server answers, in order: (status, headers, delay in seconds)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, dict[str, str], float]] = []
        self.seen = 0


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            status, headers, delay = script.answers[min(script.seen, len(script.answers) - 1)]
            script.seen += 1
            time.sleep(delay)
            body = b'{"detail": "x"}'
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", script
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def request(url: str) -> Request:
    return Request("POST", url, (("Content-Type", "application/json"),), b"{}")


def test_429_is_retried_after_the_time_it_asks(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers = [(429, {"Retry-After": "0"}, 0), (429, {"Retry-After": "0"}, 0), (201, {}, 0)]
    client = Client(timeout=5)
    exchange = client.send(request(url))
    assert exchange.response.status == 201
    assert (client.throttled, script.seen) == (2, 3)
    client.close()


def test_retries_on_429_are_bounded(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers = [(429, {"Retry-After": "0"}, 0)]
    client = Client(timeout=5)
    assert client.send(request(url)).response.status == 429
    assert script.seen == http.MAX_RETRIES + 1
    client.close()


def test_retry_after_values() -> None:
    assert retry_after("2") == 2.0
    assert retry_after("-3") == 0.0
    assert retry_after("86400") == http.MAX_RETRY_WAIT
    assert retry_after(None) == 1.0
    assert retry_after("soon") == 1.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past


def test_a_slow_answer_is_a_transport_error(server: tuple[str, Script]) -> None:
    url, script = server
    script.answers = [(201, {}, 1.0)]
    client = Client(timeout=0.2)
    with pytest.raises(TransportError, match=r"no response within 0.2 s"):
        client.send(request(url))
    client.close()


def test_a_target_that_stops_answering_stops_the_run() -> None:
    client = Client(timeout=1)
    url = f"http://127.0.0.1:{free_port()}/"
    for _ in range(http.MAX_CONSECUTIVE_ERRORS - 1):
        with pytest.raises(TransportError, match="connection refused"):
            client.send(request(url))
    with pytest.raises(TargetLost, match="stopped answering: connection refused"):
        client.send(request(url))


def test_rate_limit_spaces_request_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    # A frozen clock: the limiter must ask to sleep so that starts are 1/rate apart.
    slept: list[float] = []
    monkeypatch.setattr(http.time, "monotonic", lambda: 100.0)
    monkeypatch.setattr(http.time, "sleep", slept.append)
    limiter = http.RateLimiter(rate=4)
    for _ in range(4):
        limiter.wait()
    assert slept == [0.25, 0.5, 0.75]
    unlimited = http.RateLimiter(rate=None)
    unlimited.wait()
    assert len(slept) == 3
