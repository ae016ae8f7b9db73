"""The upstream down, too slow, or gone in the middle of an answer: the proxy answers 502 or
504 with a JSON detail naming the cause, and keeps serving."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.support.processes import free_port, running_mock
from tests.support.proxying import CONTRACT, Served, proxy_in_front_of, violation_names

pytestmark = pytest.mark.process

STAFF = {"Authorization": "Token staff-token"}
BODY = {"subject": "Hello"}


def create(proxy: Served) -> httpx.Response:
    return httpx.post(proxy.url + CONTRACT.path, json=BODY, headers=STAFF, timeout=30)


def assert_still_serving(proxy: Served) -> None:
    answer = httpx.get(proxy.url + "/__proxy__/violations", timeout=10)
    assert answer.status_code == 200


@pytest.mark.slow
def test_upstream_down_then_back() -> None:
    port = free_port()
    upstream = f"http://127.0.0.1:{port}"
    with proxy_in_front_of(upstream) as proxy:
        refused = create(proxy)
        assert refused.status_code == 502
        assert refused.json() == {"detail": f"the upstream {upstream} refused the connection"}
        assert violation_names(refused) == {"not_a_server_error"}
        other = httpx.get(proxy.url + "/api/ui/", timeout=10)
        assert other.status_code == 502
        assert "refused" in other.json()["detail"]
        assert_still_serving(proxy)
        (violation,) = proxy.violations()["violations"]
        assert violation["check"] == "not_a_server_error"
        assert violation["status"] is None
        assert violation["message"].startswith("no response: ")

        with running_mock("--port", str(port), "--log-level", "warning"):
            assert create(proxy).status_code == 201


@pytest.mark.slow
def test_upstream_slower_than_the_timeout_gets_504() -> None:
    with (
        running_mock("--latency", "2000", "--log-level", "warning") as mock,
        proxy_in_front_of(mock.base_url, upstream_timeout=0.5) as proxy,
    ):
        started = time.monotonic()
        slow = create(proxy)
        waited = time.monotonic() - started
        assert slow.status_code == 504
        assert slow.json() == {
            "detail": f"the upstream {mock.base_url} did not answer within 0.5 s"
        }
        assert waited < 2  # the proxy gave up; it did not wait for the late answer
        assert_still_serving(proxy)
        # Not slowed: the mock delays only its API.
        assert httpx.get(proxy.url + "/__mock__/health", timeout=10).status_code == 200


@pytest.mark.slow
def test_upstream_killed_while_answering() -> None:
    with (
        running_mock("--latency", "5000", "--log-level", "warning") as mock,
        proxy_in_front_of(mock.base_url) as proxy,
    ):
        answers: list[httpx.Response] = []
        waiting = threading.Thread(target=lambda: answers.append(create(proxy)))
        waiting.start()
        time.sleep(1)
        mock.process.kill()
        waiting.join(30)
        (gone,) = answers
        assert gone.status_code == 502
        assert "closed the connection" in gone.json()["detail"]
        assert_still_serving(proxy)


@contextmanager
def half_answering_upstream() -> Iterator[str]:
    """A server that sends the head of a 201 and part of its body, then hangs up."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(
                    b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n"
                    b'content-length: 500\r\n\r\n{"id": 1, "subject": '
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.shutdown(socket.SHUT_RDWR)  # wakes the accept up
        listener.close()
        thread.join(10)


def test_upstream_closing_mid_answer_gets_502() -> None:
    with half_answering_upstream() as upstream, proxy_in_front_of(upstream) as proxy:
        for _ in range(2):  # and again: the proxy is not stuck on the broken connection
            cut = create(proxy)
            assert cut.status_code == 502
            assert cut.json() == {
                "detail": f"the upstream {upstream} closed the connection before its answer ended"
            }
        assert_still_serving(proxy)
        assert proxy.violations()["counts"] == {"not_a_server_error": 2}
