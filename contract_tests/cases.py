"""Cases in the suite: a case becomes a probe to send, with the keys given.

A case names its credential by role or kind, never by key (see `mock_server.cases`); the
suite sends its own key for it: `staff` with --token, `admin` with --admin-token, `user`
with --non-staff-token. A case whose role has no key given is not sent, and says why.
Bad credentials are named alike in cases and in the suite, so they map to themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from contract_tests import strategies as s
from contract_tests.contract import contract
from mock_server.cases import MASKED, Case, CaseError, load_all

# A case's role -> the suite's credential kind for it, and the option that gives its key.
ROLES = {
    "staff": (s.TOKEN, "--token"),
    "admin": (s.ADMIN, "--admin-token"),
    "user": (s.NON_STAFF, "--non-staff-token"),
}


class MissingKey(Exception):
    """The case's role needs a key that was not given; the message says which option."""


def load(paths: Iterable[Path]) -> list[Case]:
    """The cases of these files and directories; CaseError naming the file and line of
    the first that cannot be read or is not for the contract's operation."""
    c = contract()
    loaded = load_all(paths)
    for case in loaded:
        if (case.method, case.path) != (c.method, c.path):
            raise CaseError(
                f"{case.where}: the case is for {case.method} {case.path}; the suite sends "
                f"only the contract's {c.method} {c.path}"
            )
    return loaded


def kind_of(case: Case) -> str:
    """The suite's credential kind for the case's credential."""
    role = ROLES.get(case.credential)
    return role[0] if role else case.credential


def credential_name(credential: s.Credential) -> str:
    """The case format's name for a credential the suite sent: its role, or its kind."""
    role = next((role for role, (kind, _) in ROLES.items() if kind == credential.kind), None)
    return role or credential.kind


def probe(case: Case, keys: s.Keys) -> s.Probe:
    """The request to send for a case; MissingKey when its role's key was not given."""
    if case.credential == MASKED:
        roles = ", ".join(ROLES)
        raise MissingKey(f"the recorder did not know the key's role: put {roles} for {MASKED}")
    credential = s.credential_for(kind_of(case), keys)
    if credential is None:
        option = ROLES[case.credential][1]
        raise MissingKey(f"needs {option} (the case's credential is the {case.credential} role)")
    return s.Probe(s.Payload(case.body, case.content_type, case.label), credential)
