"""The words the suite uses everywhere: what a request carries (`Credential`, `Payload`,
`Probe`), the keys given (`Keys`, `Credentials`), what the spec says a request must get
(`Verdict`), and what a check found (`Failure`). Plain data: no Hypothesis, no HTTP.

Credential kinds are the case format's names for bad credentials (contacts_core.tokens),
so that a failure's credential is kept in a case as it is; the allowed kinds carry a key
given on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contacts_core import tokens
from contacts_core.tokens import PLACES, TOKEN_SCHEME, LookAlike, Place, look_alikes
from contract_tests.http import Request, Response

# Credential kinds. The allowed ones carry a key given on the command line.
TOKEN, ADMIN, NON_STAFF = "token", "admin", "non-staff"
NO_HEADER, OTHER_SCHEME, NO_KEY, UNKNOWN_KEY, SPACES, LOOK_ALIKE = (
    tokens.NONE,
    tokens.BEARER,
    tokens.NO_KEY,
    tokens.UNKNOWN_KEY,
    tokens.KEY_WITH_SPACES,
    tokens.LOOK_ALIKE,
)
UNAUTHENTICATED = (NO_HEADER, OTHER_SCHEME, NO_KEY, UNKNOWN_KEY, SPACES, LOOK_ALIKE)
# No Authorization header, and a valid key where the contract puts no credential.
MISPLACED = tokens.MISPLACED
SCHEME = TOKEN_SCHEME
# The key sent as "a key that belongs to no account" in fixed requests.
MADE_UP_KEY = "unknown-key"


@dataclass(frozen=True)
class Credential:
    """What goes in the Authorization header (None: no header), and what it stands for.
    `variant`: for a look-alike, the kind of the key it resembles and how it differs
    (`token/last-dropped`); for a misplaced key, its kind and place (`token/cookie-token`):
    so that a case can name it."""

    kind: str
    header: str | None
    label: str
    variant: str = ""
    placed: tuple[Place, str] | None = None
    """For a misplaced key: where it goes, and the key."""


@dataclass(frozen=True)
class Payload:
    """A request body as sent: raw bytes, a content type (None: no header), what it is."""

    body: bytes
    content_type: str | None
    label: str


@dataclass(frozen=True)
class Probe:
    """One request to send: a payload with a credential, to the spec's path (or another),
    with the operation's method (or another)."""

    payload: Payload
    credential: Credential
    path: str | None = None
    content_type_name: str = "Content-Type"
    """The Content-Type header's name as sent (HTTP names are case-insensitive)."""
    method: str | None = None
    """Another method than the operation's (which must be refused with 405)."""


@dataclass(frozen=True)
class Keys:
    """The keys given: --token, --admin-token, --non-staff-token."""

    token: str
    admin: str | None = None
    non_staff: str | None = None

    def by_kind(self) -> dict[str, str]:
        """The keys given, by the credential kind they stand for."""
        kinds = ((TOKEN, self.token), (ADMIN, self.admin), (NON_STAFF, self.non_staff))
        return {kind: key for kind, key in kinds if key}

    def options(self) -> dict[str, str | None]:
        """The options that gave a key, by the name a check's `needs` uses."""
        return {"admin_token": self.admin, "non_staff_token": self.non_staff}


def credential(kind: str, key: str | None = None) -> Credential:
    """The credential of a kind; `key` is the key to send (the real one, or a made-up one)."""
    match kind:
        case "token" | "admin" | "non-staff":
            return Credential(kind, f"{SCHEME} {key}", f"{kind} key")
        case tokens.NONE:
            return Credential(kind, None, "no Authorization header")
        case tokens.BEARER:
            return Credential(kind, f"Bearer {key}", "the key with the Bearer scheme")
        case tokens.NO_KEY:
            return Credential(kind, SCHEME, f'"{SCHEME}" with no key')
        case tokens.UNKNOWN_KEY:
            return Credential(kind, f"{SCHEME} {key}", "a key that belongs to no account")
        case tokens.KEY_WITH_SPACES:
            return Credential(kind, f"{SCHEME} {key} {key}", "a key with a space in it")
    raise ValueError(f"unknown credential kind {kind!r}")


def credential_for(kind: str, keys: Keys) -> Credential | None:
    """The credential of a kind with the keys given (not a look-alike: see
    `look_alike_for`); None when it needs a key not given.

    Bad credentials are built on made-up keys, and another scheme on --token's key.
    """
    given = {TOKEN: keys.token, ADMIN: keys.admin, NON_STAFF: keys.non_staff}
    if kind in given:
        key = given[kind]
        return credential(kind, key) if key else None
    return credential(kind, keys.token if kind == OTHER_SCHEME else MADE_UP_KEY)


def look_alike_credentials(keys: dict[str, str], known: frozenset[str]) -> list[Credential]:
    """Look-alikes of every key given (credential kind -> key), none of them a known key."""
    return [
        _look_alike(kind, alike)
        for kind, key in keys.items()
        for alike in look_alikes(key)
        if alike.key not in known
    ]


def look_alike_for(variant: str, keys: Keys) -> Credential | None:
    """The look-alike a variant names (`token/last-dropped`) with the keys given; None when
    its key was not given, or has no such look-alike (too short), or it is a known key."""
    kind, _, how = variant.partition("/")
    given = keys.by_kind()
    key = given.get(kind)
    alike = next((a for a in look_alikes(key) if a.kind == how), None) if key else None
    if alike is None or alike.key in given.values():
        return None
    return _look_alike(kind, alike)


def _look_alike(kind: str, alike: LookAlike) -> Credential:
    label = f"the {kind} key {alike.description}"
    return Credential(LOOK_ALIKE, f"{SCHEME} {alike.key}", label, f"{kind}/{alike.kind}")


def misplaced(kind: str, key: str, place: str) -> Credential:
    """The key of a kind given, put at a place of `PLACES` instead of the Authorization header."""
    where = PLACES[place]
    label = f"the {kind} key {where.description}, no Authorization header"
    return Credential(MISPLACED, None, label, f"{kind}/{place}", (where, key))


def misplaced_for(variant: str, keys: Keys) -> Credential | None:
    """The misplaced key a variant names (`token/query-token`); None when its key was not
    given or the place is unknown."""
    kind, _, place = variant.partition("/")
    key = keys.by_kind().get(kind)
    return misplaced(kind, key, place) if key and place in PLACES else None


class Credentials:
    """The credentials a run sends, made once from the keys given: the main key
    (--token), the allowed ones (with --admin-token), the others (--non-staff-token), and
    look-alikes of every key given."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.main = credential(TOKEN, keys.token)
        self.allowed = [self.main] + ([credential(ADMIN, keys.admin)] if keys.admin else [])
        self.others = [credential(NON_STAFF, keys.non_staff)] if keys.non_staff else []
        self.known = frozenset(keys.by_kind().values())
        self.look_alikes = look_alike_credentials(keys.by_kind(), self.known)
        self.misplaced = [misplaced(TOKEN, keys.token, place) for place in PLACES]

    def refused(self) -> list[Credential]:
        """One credential of every kind that must get 401 (look-alikes apart)."""
        made = (credential_for(kind, self.keys) for kind in UNAUTHENTICATED if kind != LOOK_ALIKE)
        return [c for c in made if c is not None]


# --- what the spec says, and what the checks found ----------------------------------------

NOTHING: Any = object()
"""A body that is not JSON (or nothing sent)."""


@dataclass(frozen=True)
class Verdict:
    """`valid`: True when the spec accepts the body, False when it rejects it, None when
    the spec leaves it open (then only conformance is checked). `expected`: the statuses
    a rejection may use. `body`: the parsed JSON, or NOTHING. `fields`: the contract's
    fields an invalid body gets wrong (missing, or a value their schema refuses)."""

    valid: bool | None
    expected: frozenset[int]
    reason: str
    body: Any = NOTHING
    fields: frozenset[str] = frozenset()


PASSED, FAILED, NOT_RUN, WARNED = "passed", "failed", "not run", "warned"


@dataclass
class Failure:
    """One way a check failed (or a warning was raised): the request (minimal when
    Hypothesis shrank it) and the answer."""

    check: str
    message: str
    request: Request | None
    response: Response | None
    label: str
    credential: str
    phase: str
    minimal: bool
    flaky: bool = False
    cut_short: bool = False
    """The time budget ran out before Hypothesis could shrink it."""
    sent_with: Credential | None = None
    """The credential sent, by kind (`label` says it for people): to keep it as a case."""
    counterpart: tuple[Request, Response | None] | None = None
    """For a difference between two sides: the same request to the other side (the
    mock), and its answer."""

    @property
    def size(self) -> int:
        return len(self.request.body) if self.request is not None else 0

    @property
    def kind(self) -> tuple[str, str, str]:
        """What makes two failures of one check distinct: the message, and the kind of
        request and credential that met it. (Two warnings differ by their message.)"""
        return (self.message, self.label, self.credential)
