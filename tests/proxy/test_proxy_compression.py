"""The proxy in front of a backend that compresses its answers (a real process: the mock
behind a compressing layer, as staging sits behind nginx or a CDN): it judges what the
client reads, the answer decoded, and passes on the bytes as they came. Correct answers
make no violation; a faulty backend makes the same violations compressed as not."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contract_tests import model
from contract_tests.engine import build_request
from mock_server import faults
from tests.support.processes import running_compressing_mock, running_mock
from tests.support.proxying import (
    CONTRACT,
    Served,
    Tap,
    fixed_probes,
    proxy_in_front_of,
)

pytestmark = pytest.mark.process

PROBES = fixed_probes()


@dataclass
class Raw:
    """An answer with its body's bytes as they came."""

    status: int
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        """The body as a client reads it: its Content-Encoding undone (by httpx)."""
        return httpx.Response(self.status, headers=self.headers, content=self.body).json()


def send_raw(client: httpx.Client, served: Served, probe: model.Probe, coding: str) -> Raw:
    """A probe as the suite sends it, asking for `coding`."""
    request, _ = build_request(probe, served.url, CONTRACT)
    headers = [*request.headers, ("Accept-Encoding", coding)]
    with client.stream(
        request.method, request.url, content=request.body, headers=headers
    ) as answer:
        return Raw(answer.status_code, answer.headers, b"".join(answer.iter_raw()))


def judged(upstream: str, coding: str) -> tuple[dict[str, int], Counter[str]]:
    """The fixed examples through a proxy in front of `upstream`: the violations' counts,
    and the checks the answers' X-Contract-Violations named."""
    named: Counter[str] = Counter()
    with proxy_in_front_of(upstream) as proxy, httpx.Client(timeout=30) as client:
        for probe in PROBES:
            answer = send_raw(client, proxy, probe, coding)
            value = answer.headers.get("x-contract-violations", "")
            named.update(name.strip() for name in value.split(",") if name.strip())
        violations = proxy.violations()
    assert violations["not_judged"] == {}
    assert violations["exchanges"] == len(PROBES)
    return violations["counts"], named


@pytest.mark.parametrize(
    "codings",
    [
        "gzip",
        *(
            pytest.param(c, marks=pytest.mark.slow)
            for c in ("br", "deflate", "raw-deflate", "gzip,br")
        ),
    ],
)
def test_compressed_correct_answers_pass_on_unchanged_with_no_violation(codings: str) -> None:
    accepted = codings.split(",")[0].replace("raw-", "")
    with (
        running_compressing_mock(codings, "--log-level", "warning") as mock,
        Tap(mock.base_url) as tap,
        proxy_in_front_of(tap.url) as proxy,
        httpx.Client(timeout=30) as client,
    ):
        answers = [send_raw(client, proxy, probe, accepted) for probe in PROBES]
        violations = proxy.violations()
        page = proxy.report()
    assert violations["counts"] == {}, violations["violations"][:3]
    assert violations["exchanges"] == len(PROBES)
    assert page.summary.startswith("the contract holds")
    compressed = 0
    for answer, wire in zip(answers, tap.responses, strict=True):
        assert (answer.status, answer.body) == (wire.status, wire.body)
        assert answer.headers.raw == wire.headers
        compressed += "content-encoding" in answer.headers
    assert compressed == len(PROBES)  # every answer was compressed: all were judged decoded
    created = [a for a in answers if a.status == 201]
    assert created
    assert created[0].json()["subject"]  # the client decodes it as the proxy judged it


# Decoding is the same whatever the fault: one fault per check that catches one covers
# every kind of violation the proxy can find in a decoded answer.
ONE_PER_CHECK = list(
    {
        fault.caught_by: name
        for name, fault in reversed(faults.catalogue().items())
        if not fault.warning
    }.values()
)


@pytest.mark.parametrize(
    ("fault", "coding"),
    [
        pytest.param(
            name,
            ("gzip", "br")[number % 2],
            marks=pytest.mark.slow,
        )
        for number, name in enumerate(ONE_PER_CHECK)
    ],
)
def test_a_faulty_backend_makes_the_same_violations_compressed(fault: str, coding: str) -> None:
    with (
        running_compressing_mock(coding, "--fault", fault, "--log-level", "warning") as packed,
        running_mock("--fault", fault, "--log-level", "warning") as plain,
    ):
        counts, named = judged(packed.base_url, coding)
        expected, _ = judged(plain.base_url, coding)
    assert counts == expected
    assert faults.get(fault).caught_by in counts
    assert counts == dict(named)


@pytest.mark.slow
def test_an_encoding_it_cannot_decode_is_passed_on_and_counted_not_judged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with (
        running_compressing_mock(
            "zstd", "--fault", "500-on-non-ascii", "--log-level", "warning"
        ) as mock,
        Tap(mock.base_url) as tap,
        proxy_in_front_of(tap.url) as proxy,
        httpx.Client(timeout=30) as client,
    ):
        answers = [send_raw(client, proxy, probe, "zstd") for probe in PROBES[:20]]
        violations = proxy.violations()
        page = proxy.report()
    reason = "Content-Encoding zstd, which the proxy cannot decode"
    assert violations["not_judged"] == {reason: 20}
    assert (violations["exchanges"], violations["counts"]) == (20, {})
    for answer, wire in zip(answers, tap.responses, strict=True):
        assert answer.body == wire.body
        assert "x-contract-violations" not in answer.headers
    said = [r.getMessage() for r in caplog.records if "not judged" in r.getMessage()]
    assert said == [f"POST {CONTRACT.path} not judged: {reason}"]  # once, not 20 times
    assert page.summary.endswith(f"; 20 of 20 exchanges could not be judged ({reason})")
