"""Live exchanges judged by the suite's own oracle and checks, over the proxy's lifetime.

A live request becomes the suite's `Call` (its payload judged by `oracle.judge`, its
credential told from the Authorization header and the keys given with --token), and the
suite's `findings.Findings` runs every check and warning on it and judges the ids across
every exchange, as it does across a run; the report is built from those findings.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from contacts_core import tokens
from contacts_core.asgi import Body
from contacts_core.clock import rfc3339
from contacts_core.tokens import TokenTable, credential_of
from contract_tests import model
from contract_tests.checks import Call, Scope
from contract_tests.contract import Contract
from contract_tests.findings import Findings
from contract_tests.http import Request, Response
from contract_tests.model import Failure
from contract_tests.oracle import judge

PHASE = "live traffic"
LABEL = "a live request"
# A key the proxy was not given: its role is unknown, so only the rules that need no
# role judge the exchange.
UNKNOWN_ROLE = "unknown-role"
MASK = "<masked>"


@dataclass(frozen=True)
class LiveCredential:
    """A live Authorization header as the checks see it, and as a recording names it:
    a role (staff, admin, user), or a kind (none, bearer, no-key, key-with-spaces,
    masked for a key of unknown role). Never the key."""

    credential: model.Credential
    name: str

    @property
    def header(self) -> str | None:
        """The header with its key masked: for logs, reports and recordings."""
        return self.credential.header


class Keys:
    """The keys given with --token KEY=ROLE."""

    def __init__(self, tokens: Mapping[str, str], contract: Contract) -> None:
        self.table = TokenTable(tokens)
        self.roles = contract.operation.roles
        self.keys = tuple(tokens)

    def credential(self, header: str | None) -> LiveCredential:
        """What a live Authorization header stands for, named as a case names it: a key
        that resembles a key given is a look-alike of it, any other key not given with
        --token is `masked`, its role unknown."""
        name = credential_of(header, self.table, unknown=tokens.MASKED)
        parts = (header or "").split()
        scheme = parts[0] if name not in (tokens.NONE, tokens.BEARER) else ""
        match name:
            case tokens.NONE:
                return _live(model.NO_HEADER, None, "no Authorization header", name)
            case tokens.BEARER:
                # Nothing of it is repeated: a header without a scheme may be a bare key.
                return _live(model.OTHER_SCHEME, MASK, "another scheme than Token", name)
            case tokens.NO_KEY:
                return _live(model.NO_KEY, scheme, f'"{scheme}" with no key', name)
            case tokens.KEY_WITH_SPACES:
                return _live(model.SPACES, f"{scheme} {MASK}", "a key with a space in it", name)
            case _ if name.startswith(tokens.LOOK_ALIKE + "/"):
                resembled = self.table.resembled(parts[1])
                assert resembled is not None  # credential_of named it after it
                role, alike = resembled
                label = f"the {role} key {alike.description}"
                return _live(model.LOOK_ALIKE, f"{scheme} {MASK}", label, name)
            case tokens.MASKED:
                label = "a key of unknown role (not given with --token)"
                return _live(UNKNOWN_ROLE, f"{scheme} {MASK}", label, name)
        # The suite's kinds: the main key, the admin key, a key without the permission.
        kind = (
            model.NON_STAFF
            if name not in self.roles
            else model.ADMIN
            if name == model.ADMIN
            else model.TOKEN
        )
        return _live(kind, f"{scheme} <{name} key>", f"a {name} key", name)

    def mask(self, text: str) -> str:
        """The text with every key given replaced (for log lines built from a request)."""
        for key in self.keys:
            text = text.replace(key, MASK)
        return text


def _live(kind: str, header: str | None, label: str, name: str) -> LiveCredential:
    return LiveCredential(model.Credential(kind, header, label), name)


@dataclass(frozen=True)
class Violation:
    """One rule an exchange broke."""

    check: str
    message: str
    method: str
    path: str
    status: int | None  # None: no answer from the upstream
    time: float
    credential: str

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "message": self.message,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "time": rfc3339(self.time, 0),
            "credential": self.credential,
        }

    def log_line(self) -> str:
        status = self.status if self.status is not None else "no answer"
        return (
            f"contract violation: {self.check}: {self.message} "
            f"[{self.method} {self.path} -> {status}, {self.credential}]"
        )


@dataclass(frozen=True)
class LiveRequest:
    """A request of the operation as the proxy saw it. `body`: all of it, or (when over
    the contract's size limit) its first bytes."""

    method: str
    target: str  # the path and query, as sent
    path: str
    content_type: str | None
    body: Body
    credential: LiveCredential
    at: float

    def as_sent(self, base_url: str, auth_header: str) -> Request:
        """The suite's Request: what the checks and the report see (the key masked)."""
        headers = [("Content-Type", self.content_type)] if self.content_type is not None else []
        if self.credential.header is not None:
            headers.insert(0, (auth_header, self.credential.header))
        return Request(self.method, base_url + self.target, tuple(headers), self.body.data)


@dataclass(frozen=True)
class LiveAnswer:
    """The upstream's answer: status, end-to-end headers, and its body (or first bytes)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: Body
    at: float

    def as_received(self, sent_at: float) -> Response:
        """The suite's Response; repeated headers joined with commas, as HTTP allows."""
        joined: dict[str, str] = {}
        for name, value in self.headers:
            key, text = name.decode("latin-1").lower(), value.decode("latin-1")
            joined[key] = f"{joined[key]}, {text}" if key in joined else text
        return _ParsedOnce(self.status, joined, self.body.data, self.at - sent_at)


@dataclass(frozen=True)
class _ParsedOnce(Response):
    """The suite's Response with its JSON parsed once: the checks read it several times,
    and the proxy judges every exchange on the way to its client."""

    @cached_property
    def _parsed(self) -> tuple[Any, ValueError | None]:
        try:
            return super().json(), None
        except ValueError as error:  # UnicodeDecodeError is a ValueError too
            return None, error

    def json(self) -> Any:
        value, error = self._parsed
        if error is not None:
            raise error
        return value


class Judge:
    """Judges every exchange of the operation; remembers the latest violations (bounded)
    and how many of each; its findings (`recorder`) hold what the report shows."""

    def __init__(
        self,
        contract: Contract,
        base_url: str,
        clock_skew: float,
        max_violations: int,
        max_ids: int,
    ) -> None:
        self.contract = contract
        self.base_url = base_url
        self.clock_skew = clock_skew
        # Which status codes a backend gives is judged over a test run, not live traffic.
        not_judged = "judged over a test run, not live traffic: see the status codes seen below"
        self.recorder = Findings(contract, Scope(None, not_judged, max_ids))
        self.violations: deque[Violation] = deque(maxlen=max_violations)
        self.counts: Counter[str] = Counter()
        self.exchanges = 0
        self.started = time.time()

    def exchange(self, request: LiveRequest, answer: LiveAnswer) -> list[Violation]:
        """Judge one answered exchange by every check; the violations it made."""
        payload = model.Payload(request.body.data, request.content_type, LABEL)
        call = Call(
            request=request.as_sent(self.base_url, self.contract.auth_header),
            response=answer.as_received(request.at),
            sent_at=request.at,
            received_at=answer.at,
            credential=request.credential.credential,
            verdict=judge(payload, self.contract),
            label=LABEL,
            contract=self.contract,
            clock_skew=self.clock_skew,
        )
        # Every check, and the run-level unique_ids across every exchange, as in a run.
        failures = self.recorder.record(call, PHASE)
        return self._keep(failures, request, answer.status, answer.at)

    def unanswered(self, request: LiveRequest, reason: str) -> list[Violation]:
        """No answer from the upstream: a failure of not_a_server_error, as in the suite."""
        failure = Failure(
            "not_a_server_error",
            f"no response: {reason}",
            request.as_sent(self.base_url, self.contract.auth_header),
            None,
            LABEL,
            request.credential.credential.label,
            PHASE,
            minimal=False,
        )
        self.recorder.unanswered(failure, PHASE)
        return self._keep([failure], request, None, time.time())

    def _keep(
        self, failures: list[Failure], request: LiveRequest, status: int | None, at: float
    ) -> list[Violation]:
        self.exchanges += 1
        found = []
        for failure in failures:
            self.counts[failure.check] += 1
            violation = Violation(
                failure.check,
                failure.message,
                request.method,
                request.path,
                status,
                at,
                request.credential.credential.label,
            )
            self.violations.append(violation)
            found.append(violation)
        return found

    def as_json(self) -> dict[str, Any]:
        """What GET /__proxy__/violations answers."""
        return {
            "exchanges": self.exchanges,
            "counts": dict(sorted(self.counts.items())),
            "kept": self.violations.maxlen,
            "violations": [v.as_json() for v in self.violations],
        }
