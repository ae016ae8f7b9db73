"""Live exchanges judged by the suite's own oracle and checks, over the proxy's lifetime.

A live request becomes the suite's `Call` (its payload judged by `oracle.judge`, its
credential told from the Authorization header and the keys given with --token), and the
suite's `findings.Findings` runs every check and warning on it and judges the ids across
every exchange, as it does across a run.

One judgement: the findings are the only tally. GET /__proxy__/violations counts from
them, the report shows them (with the roles given, so a check a role's key made fail is
never "not run"), and X-Contract-Violations names the failures of the exchange's own
call; so the three never disagree.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Mapping, Sequence
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
from contract_tests.findings import Findings, Result
from contract_tests.http import Request, Response
from contract_tests.model import FAILED, NOT_RUN, Failure
from contract_tests.oracle import judge

PHASE = "live traffic"
LABEL = "a live request"
# The suite's key options, by the credential kind each stands for; the proxy takes every
# key as --token KEY=ROLE instead.
KIND_OF_OPTION = {
    "token": model.TOKEN,
    "admin_token": model.ADMIN,
    "non_staff_token": model.NON_STAFF,
}
# Request headers besides the credential and the content type that may change the
# answer: a reproduction keeps them, so that a replay gets the same answer. Prefer picks
# the mock's (and Prism's) simulated answers, Accept and Accept-Language the
# representation and the language of messages, Content-Encoding how the body is read.
# Accept-Encoding is left out: curl without it gets the same answer, not encoded.
ANSWER_HEADERS = frozenset({"prefer", "accept", "accept-language", "content-encoding"})
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
        self.given = frozenset(tokens.values())

    def kind_of(self, role: str) -> str:
        """The suite's credential kind for a role: the main key, the admin key, or a key
        without the permission."""
        if role not in self.roles:
            return model.NON_STAFF
        return model.ADMIN if role == model.ADMIN else model.TOKEN

    def options(self) -> dict[str, str | None]:
        """The suite's key options as the roles given stand for them, for
        `Findings.results`: a check that needs the admin key runs when an admin key was
        given, and so on."""
        kinds = {self.kind_of(role) for role in self.given}
        return {
            option: "given" if kind in kinds else None for option, kind in KIND_OF_OPTION.items()
        }

    def needed(self, option: str) -> str:
        """What the proxy needs for a check that needs the suite's `option`."""
        kind = KIND_OF_OPTION.get(option)
        roles = [role for role in tokens.KNOWN_ROLES if self.kind_of(role) == kind]
        return " or ".join(f"--token KEY={role}" for role in roles) or f"--{option}"

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
        return _live(self.kind_of(name), f"{scheme} <{name} key>", f"a {name} key", name)

    def misplaced(
        self, headers: list[tuple[bytes, bytes]], query: bytes, body: bytes
    ) -> LiveCredential | None:
        """A key given with --token put where the contract puts no credential (the query
        string, a cookie, another header, the body), named as a case names it; None when
        the request holds none."""
        for place, value in tokens.placed_values(headers, query, body):
            role = self.table.role_of(value)
            if role is None:
                continue
            kind, where = self.kind_of(role), tokens.PLACES[place]
            label = f"the {role} key {where.description}, no Authorization header"
            credential = model.Credential(
                model.MISPLACED, None, label, f"{kind}/{place}", (where, MASK)
            )
            return LiveCredential(credential, f"{tokens.MISPLACED}/{role}/{place}")
        return None

    def mask(self, text: str, others: tuple[str, ...] = ()) -> str:
        """The text with every key given (and `others`) replaced, for log lines built
        from a request."""
        for key in (*self.keys, *others):
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
    headers: tuple[tuple[str, str], ...] = ()
    """The other headers that may change the answer (ANSWER_HEADERS), as sent."""

    def as_sent(self, base_url: str, auth_header: str) -> Request:
        """The suite's Request: what the checks and the report see (the key masked)."""
        headers = [("Content-Type", self.content_type)] if self.content_type is not None else []
        if self.credential.header is not None:
            headers.insert(0, (auth_header, self.credential.header))
        headers += self.headers
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
    """Judges every exchange of the operation; remembers the latest violations (bounded).
    Its findings (`recorder`) are the one tally the violations endpoint, the report and
    each answer's X-Contract-Violations header come from."""

    def __init__(
        self,
        contract: Contract,
        base_url: str,
        clock_skew: float,
        max_violations: int,
        max_ids: int,
        keys: Keys | None = None,
    ) -> None:
        self.contract = contract
        self.base_url = base_url
        self.clock_skew = clock_skew
        self.keys = keys or Keys({}, contract)
        # Which status codes a backend gives is judged over a test run, not live traffic.
        not_judged = "judged over a test run, not live traffic: see the status codes seen below"
        self.recorder = Findings(contract, Scope(None, not_judged, max_ids))
        self.violations: deque[Violation] = deque(maxlen=max_violations)
        self.exchanges = 0
        self.simulated = 0
        """Answers the client asked for (Prefer: code=N, answered N): not judged."""
        self.unjudged: Counter[str] = Counter()
        """Exchanges that could not be judged, by why (an encoding the proxy cannot decode)."""
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

    def simulation(self) -> None:
        """An answer the client chose (`Prefer: code=N`, answered N): what the request
        should get is not what it asked for, so no check judges it."""
        self.exchanges += 1
        self.simulated += 1

    def not_judged(self, why: str) -> None:
        self.exchanges += 1
        self.unjudged[why] += 1

    def _keep(
        self, failures: list[Failure], request: LiveRequest, status: int | None, at: float
    ) -> list[Violation]:
        self.exchanges += 1
        found = []
        for failure in failures:
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

    def results(self) -> list[Result]:
        """Every check's result over the traffic judged, the roles given taken into
        account: a check is "not run" for want of a role only when no key of it was given."""
        return [self._live(r) for r in self.recorder.results(self.keys.options())]

    def _live(self, result: Result) -> Result:
        lacking = [o for o in result.check.needs if not self.keys.options().get(o)]
        if result.state == NOT_RUN and lacking:
            needed = ", ".join(self.keys.needed(option) for option in lacking)
            return Result(result.check, NOT_RUN, 0, note=f"needs {needed}")
        return result

    def counts(self, results: Sequence[Result] | None = None) -> dict[str, int]:
        """How many exchanges failed each check (every one, not only those kept)."""
        every = self.results() if results is None else results
        return {r.name: r.calls for r in every if r.state == FAILED}

    def as_json(self) -> dict[str, Any]:
        """What GET /__proxy__/violations answers."""
        return {
            "exchanges": self.exchanges,
            "counts": dict(sorted(self.counts().items())),
            "simulated": self.simulated,
            "not_judged": dict(sorted(self.unjudged.items())),
            "kept": self.violations.maxlen,
            "violations": [v.as_json() for v in self.violations],
        }
