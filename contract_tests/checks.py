"""The checks: each a small named function, reported by its name.

A check looks at one call (a request, its response, the spec's verdict on the request,
the credential sent) and returns None when the contract holds, or a message saying how
it was broken. `applies` says which calls a check looks at. Two checks look at the whole
run instead of one call, `unique_ids` and `status_code_coverage`: each is a small class
registered the same way, which `observe`s every call and gives its `verdict` at the end.
`status_code_coverage` judges a whole run only (`whole_run`): a run cut short, interrupted
or by a target that stopped answering, leaves it not run (its missing codes may simply
not have been asked for yet).

The contract requires only the spec's own path: a call to the document's heading path
that is not served there is judged by the warnings alone (`client_warnings`, registered
the same way, judge every call).
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from contacts_core.clock import parse_rfc3339
from contacts_core.media import media_type
from contract_tests.contract import JSON, Contract
from contract_tests.http import Request, Response
from contract_tests.model import (
    ADMIN,
    MISPLACED,
    NON_STAFF,
    NOTHING,
    TOKEN,
    UNAUTHENTICATED,
    Credential,
    Verdict,
)
from contract_tests.oracle import shown, shown_apart


@dataclass
class Call:
    """One request the suite sent, and everything a check needs to judge the answer."""

    request: Request
    response: Response
    sent_at: float
    received_at: float
    credential: Credential
    verdict: Verdict
    label: str
    contract: Contract
    clock_skew: float

    def json(self) -> Any:
        """The response body as JSON, or NOTHING."""
        try:
            return self.response.json()
        except (ValueError, UnicodeDecodeError):
            return NOTHING

    @property
    def created(self) -> bool:
        return self.response.status == self.contract.success

    @cached_property
    def on_heading_path(self) -> bool:
        """Sent to the document's heading path (`/api/contacts`), not the spec's own path."""
        path = urlsplit(self.request.url).path
        heading = self.contract.heading_path
        return heading != self.contract.path and path.endswith(heading)

    @property
    def other_method(self) -> bool:
        """Sent with a method the path does not declare: only `other_methods_refused` and
        `not_a_server_error` judge it."""
        return self.request.method != self.contract.method

    @property
    def outside_contract(self) -> bool:
        """Sent to the heading path and not served there (a redirect, 404 or 405): the
        contract requires only its own path, so only the warnings judge such a call."""
        status = self.response.status
        return self.on_heading_path and (300 <= status < 400 or status in (404, 405))


Run = Callable[[Call], str | None]
Applies = Callable[[Call], bool]


@dataclass(frozen=True)
class Scope:
    """What the run-level checks judge over. `required`: the status codes a run must show
    (None: not judged over this traffic, `not_judged` says why); `max_ids`: the ids
    remembered (a long-lived judge, a proxy's, forgets the oldest beyond it)."""

    required: tuple[int, ...] | None = ()
    not_judged: str = ""
    max_ids: int | None = None


class RunLevel(Protocol):
    """A check of the whole run: it sees every call, and judges at the end."""

    def observe(self, call: Call) -> list[str] | None:
        """How this call breaks the rule (messages), [] when it holds; None when the rule
        does not apply to it."""

    def verdict(self) -> list[str] | None:
        """How the run as a whole breaks the rule; None when it cannot be judged here."""


@dataclass(frozen=True)
class Check:
    name: str
    family: str
    description: str
    run: Run | None  # None: a run-level check (`run_level` makes it)
    applies: Applies
    needs: tuple[str, ...] = ()  # options without which it cannot run
    run_level: Callable[[Scope], RunLevel] | None = None
    whole_run: bool = False  # judged over a whole run alone: not run on a run cut short


CHECKS: list[Check] = []


def register(
    into: list[Check],
    family: str,
    description: str,
    applies: Applies,
    needs: tuple[str, ...] = (),
) -> Callable[[Run], Run]:
    """Add the decorated function to `into` as a rule named after it."""

    def add(run: Run) -> Run:
        into.append(Check(run.__name__, family, description, run, applies, needs))
        return run

    return add


def check(
    family: str, description: str, applies: Applies, needs: tuple[str, ...] = ()
) -> Callable[[Run], Run]:
    return register(
        CHECKS,
        family,
        description,
        lambda call: not call.outside_contract and not call.other_method and applies(call),
        needs,
    )


def run_level(
    family: str, description: str, needs: tuple[str, ...] = (), whole_run: bool = False
) -> Callable[[type[Any]], type[Any]]:
    """Add the decorated class to CHECKS as a run-level check named after it; a fresh
    instance judges each run (or each proxy's traffic). `whole_run`: its verdict means
    something only once the run has sent everything it meant to."""

    def add(kind: type[Any]) -> type[Any]:
        CHECKS.append(
            Check(kind.__name__, family, description, None, _never, needs, kind, whole_run)
        )
        return kind

    return add


def _never(call: Call) -> bool:
    return False


def _always(call: Call) -> bool:
    return True


def _documented(call: Call) -> bool:
    return call.contract.documented(call.response.status)


def _created(call: Call) -> bool:
    return call.verdict.valid is True and call.created and isinstance(call.json(), dict)


# --- 1. conformance ----------------------------------------------------------------------


@register(CHECKS, "conformance", "no response is a 5xx, ever", lambda c: not c.outside_contract)
def not_a_server_error(call: Call) -> str | None:
    if call.response.status >= 500:
        return f"server error {call.response.status}"
    return None


@check("conformance", "every status code is one the spec documents", _always)
def status_code_conformance(call: Call) -> str | None:
    if not call.contract.documented(call.response.status):
        documented = ", ".join(str(s) for s in call.contract.statuses)
        return f"status {call.response.status} is not documented (documented: {documented})"
    return None


@check("conformance", f"every documented response is {JSON}", _documented)
def content_type_conformance(call: Call) -> str | None:
    if media_type(call.response.content_type) != JSON:
        return f"Content-Type is {call.response.content_type or '(none)'!r}, not {JSON}"
    return None


@check("conformance", "every body matches the spec's schema for its status", _documented)
def response_schema_conformance(call: Call) -> str | None:
    body = call.json()
    if body is NOTHING:
        return f"the {call.response.status} body is not JSON"
    errors = call.contract.response_errors(call.response.status, body)
    if errors:
        return f"the {call.response.status} body breaks its schema: " + "; ".join(errors[:3])
    return None


@check("conformance", "every header the spec requires for a status is sent", _documented)
def response_headers_conformance(call: Call) -> str | None:
    missing = [
        name
        for name in call.contract.required_headers(call.response.status)
        if name.lower() not in call.response.headers
    ]
    if missing:
        return f"{call.response.status} without the required header(s) {', '.join(missing)}"
    return None


@register(
    CHECKS,
    "conformance",
    "a method the path does not declare gets 405, with an Allow header naming the one it does",
    lambda call: call.other_method,
)
def other_methods_refused(call: Call) -> str | None:
    method, allowed = call.request.method, call.contract.method
    status = call.response.status
    if status != HTTPStatus.METHOD_NOT_ALLOWED:
        return f"{method} answered {status}, not 405: the path serves only {allowed}"
    allow = call.response.headers.get("allow")
    if allow is None:
        return f"405 to {method} without an Allow header"
    listed = {part.strip().upper() for part in allow.split(",")}
    if allowed not in listed or method in listed:
        return (
            f"405 to {method} with Allow: {allow!r}, which should list {allowed} and not {method}"
        )
    return None


# --- 2. positive data acceptance -------------------------------------------------------------


@check(
    "positive-data-acceptance",
    "every valid body sent with --token is created",
    lambda call: call.verdict.valid is True and call.credential.kind == TOKEN,
)
def positive_data_acceptance(call: Call) -> str | None:
    if not call.created:
        return f"a valid body got {call.response.status}, not {call.contract.success}"
    return None


# --- 3. echo ---------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    # JSON true is not 1, and 1 is not 1.0 for a string field: compare types too.
    return type(a) is type(b) and a == b


@check("echo", "every sent field comes back exactly; unsent ones as the spec says", _created)
def echo(call: Call) -> str | None:
    body, sent = call.json(), call.verdict.body
    for name in call.contract.fields:
        expected = sent[name] if name in sent else call.contract.unsent_values.get(name, NOTHING)
        if expected is NOTHING:
            continue
        if name not in body:
            return f"{shown(name)} is missing from the {call.response.status} body"
        if not _same(body[name], expected):
            how = "sent" if name in sent else "expected for an unsent field"
            got, wanted = shown_apart(body[name], expected)
            return f"{shown(name)} came back as {got}; {wanted} was {how}"
    return None


# --- 4. server-set values ----------------------------------------------------------------


@check(
    "server-set-values",
    "a created contact has an integer id and the spec's creation values",
    _created,
)
def server_set_values(call: Call) -> str | None:
    body = call.json()
    for name in call.contract.id_fields:
        value = body.get(name, NOTHING)
        if type(value) is not int:
            what = shown(value) if value is not NOTHING else "missing"
            return f"{shown(name)} is {what}, not an integer"
    for name, expected in call.contract.creation_values.items():
        if name not in body:
            return f"{shown(name)} is missing"
        if not _same(body[name], expected):
            return f"{shown(name)} is {shown(body[name])} on creation, not {shown(expected)}"
    return None


@check(
    "server-set-values",
    "timestamps are RFC 3339 with a time zone, equal on creation, near the tester's clock",
    _created,
)
def timestamps(call: Call) -> str | None:
    body = call.json()
    instants = {}
    for name in call.contract.timestamp_fields:
        value = body.get(name)
        instant = parse_rfc3339(value) if isinstance(value, str) else None
        if instant is None:
            return f"{shown(name)} is {shown(value)}, not an RFC 3339 date-time with a time zone"
        instants[name] = instant
    if len(set(instants.values())) > 1:
        stamps = ", ".join(f"{n}={body[n]}" for n in instants)
        return f"the timestamps differ on creation: {stamps}"
    skew = call.clock_skew
    for name, instant in instants.items():
        at = instant.timestamp()
        if not call.sent_at - skew <= at <= call.received_at + skew:
            off = at - call.received_at if at > call.received_at else at - call.sent_at
            return f"{shown(name)} is {off:+.0f} s from the tester's clock (allowed: {skew:g} s)"
    return None


@run_level("server-set-values", "every created contact's id is unique across the whole run")
class unique_ids:
    def __init__(self, scope: Scope) -> None:
        # The ids seen, oldest first; beyond max_ids the oldest are forgotten.
        self.seen: OrderedDict[tuple[str, Any], None] = OrderedDict()
        self.max_ids = scope.max_ids

    def observe(self, call: Call) -> list[str] | None:
        body = call.json() if not call.outside_contract and call.created else None
        if not isinstance(body, dict):
            return None
        messages = []
        for name in call.contract.id_fields:
            value = body.get(name)
            key = (name, value if not isinstance(value, list | dict) else repr(value))
            try:
                known = key in self.seen
            except TypeError:  # a value that cannot be told apart
                continue
            if known:
                messages.append(f"{shown(name)} {shown(value)} was given to two contacts")
                continue
            self.seen[key] = None
            if self.max_ids is not None and len(self.seen) > self.max_ids:
                self.seen.popitem(last=False)
        return messages

    def verdict(self) -> list[str] | None:
        return []  # every duplicate is a failure of the call that showed it


# --- 5. negative data rejection ----------------------------------------------------------


@check(
    "negative-data-rejection",
    "every invalid request gets its documented 4xx, never a 201",
    lambda call: call.verdict.valid is False and call.credential.kind in (TOKEN, ADMIN),
)
def negative_data_rejection(call: Call) -> str | None:
    status = call.response.status
    if status not in call.verdict.expected:
        expected = " or ".join(str(s) for s in sorted(call.verdict.expected))
        return f"an invalid request ({call.verdict.reason}) got {status}, not {expected}"
    return None


# --- 6. the auth matrix -------------------------------------------------------------------


@check(
    "auth",
    "no header, another scheme, no key, an unknown key or one resembling a valid key get 401 "
    "with WWW-Authenticate",
    lambda call: call.credential.kind in UNAUTHENTICATED and call.verdict.valid is True,
)
def authentication_required(call: Call) -> str | None:
    if call.response.status != 401:
        return f"{call.credential.label} got {call.response.status}, not 401"
    if "www-authenticate" not in call.response.headers:
        return f"{call.credential.label} got 401 without WWW-Authenticate"
    return None


@check(
    "auth",
    "a request without valid credentials gets 401 even when its body is invalid",
    lambda call: call.credential.kind in UNAUTHENTICATED and call.verdict.valid is False,
)
def authentication_before_validation(call: Call) -> str | None:
    if call.response.status != 401:
        return (
            f"{call.credential.label} with an invalid body ({call.verdict.reason}) got "
            f"{call.response.status}, not 401"
        )
    return None


@check(
    "auth",
    "a valid key anywhere but the Authorization header (query string, cookie, another "
    "header, the body) gets 401: the contract puts the credential there alone",
    lambda call: call.credential.kind == MISPLACED,
)
def credential_placement(call: Call) -> str | None:
    if call.response.status != 401:
        return f"{call.credential.label} got {call.response.status}, not 401"
    return None


@check(
    "auth",
    "a key without the spec's roles gets 403",
    lambda call: call.credential.kind == NON_STAFF and call.verdict.valid is True,
    needs=("non_staff_token",),
)
def permission_enforced(call: Call) -> str | None:
    if call.response.status != 403:
        return f"a key without permission got {call.response.status}, not 403"
    return None


@check(
    "auth",
    "a valid body sent with --admin-token is created",
    lambda call: call.verdict.valid is True and call.credential.kind == ADMIN,
    needs=("admin_token",),
)
def admin_key_accepted(call: Call) -> str | None:
    if not call.created:
        status, success = call.response.status, call.contract.success
        return f"a valid body sent with the admin key got {status}, not {success}"
    return None


# --- 7. status-code coverage --------------------------------------------------------------


@run_level(
    "status-code-coverage",
    "the client-facing status codes (success, 400, 401; 403 with --non-staff-token) were all seen",
    whole_run=True,
)
class status_code_coverage:
    def __init__(self, scope: Scope) -> None:
        self.required = scope.required
        self.not_judged = scope.not_judged
        self.seen: Counter[int] = Counter()

    def observe(self, call: Call) -> list[str] | None:
        if call.outside_contract:
            return None
        self.seen[call.response.status] += 1
        return []

    def verdict(self) -> list[str] | None:
        if self.required is None:
            return None
        missing = [str(code) for code in self.required if not self.seen[code]]
        return [f"never observed: {', '.join(missing)}"] if missing else []


def by_name() -> dict[str, Check]:
    return {c.name: c for c in CHECKS}


def evaluate(
    call: Call, rules: list[Check] = CHECKS
) -> tuple[list[Check], list[tuple[Check, str]]]:
    """The per-call rules (the checks, or the warnings) that apply to this call, and those
    that fail with their messages."""
    applied, failed = [], []
    for c in rules:
        if c.run is not None and c.applies(call):
            applied.append(c)
            message = c.run(call)
            if message is not None:
                failed.append((c, message))
    return applied, failed
