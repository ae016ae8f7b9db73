"""Cases in the suite: a case becomes a probe to send, with the keys given; a failure of
a run becomes a case (--save-cases).

A case names its credential by role or kind, never by key (see `contacts_core.cases`); the
suite sends its own key for it: `staff` with --token, `admin` with --admin-token, `user`
with --non-staff-token. A case whose role has no key given is not sent, and says why.
Bad credentials are named alike in cases and in the suite, so they map to themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from contacts_core.cases import (
    SUFFIX,
    Case,
    CaseError,
    dumps,
    label_from,
    load_all,
    masked,
)
from contacts_core.tokens import LOOK_ALIKE, LOOK_ALIKE_CHANGES, MASKED, MISPLACED, PLACES
from contract_tests import model
from contract_tests.contract import contract
from contract_tests.findings import Result
from contract_tests.model import FAILED, WARNED, Failure

# A case's role -> the suite's credential kind for it, and the option that gives its key.
ROLES = {
    "staff": (model.TOKEN, "--token"),
    "admin": (model.ADMIN, "--admin-token"),
    "user": (model.NON_STAFF, "--non-staff-token"),
}


class MissingKey(Exception):
    """The case's role needs a key that was not given; the message says which option."""


def load(paths: Iterable[Path]) -> list[Case]:
    """The cases of these files and directories; CaseError naming the file and line of
    the first that cannot be read, is not for the contract's operation (on the spec's
    path, or the document's heading path), or names a look-alike the suite does not make."""
    c = contract()
    loaded = load_all(paths)
    op = c.operation
    for case in loaded:
        if not (op.is_request(case.method, case.path) or op.is_refused(case.method, case.path)):
            raise CaseError(
                f"{case.where}: the case is for {case.method} {case.path}; the suite sends "
                f"only the contract's {c.method} {c.path} (or {c.heading_path}), and "
                f"{', '.join(op.refused_methods)} {c.path} to see them refused"
            )
        _, _, change = case.credential.rpartition("/")
        if case.credential.startswith(LOOK_ALIKE + "/") and change not in LOOK_ALIKE_CHANGES:
            raise CaseError(
                f"{case.where}: no look-alike {change!r}; the suite makes "
                + ", ".join(sorted(LOOK_ALIKE_CHANGES))
            )
        if case.credential.startswith(MISPLACED + "/") and change not in PLACES:
            raise CaseError(
                f"{case.where}: no place {change!r} for a misplaced key; the suite knows "
                + ", ".join(PLACES)
            )
    return loaded


def credential_name(credential: model.Credential) -> str:
    """The case format's name for a credential the suite sent: its role, its kind, or
    for a look-alike `look-alike/<role>/<change>`, for a misplaced key
    `misplaced/<role>/<place>`."""
    if credential.kind in (model.LOOK_ALIKE, model.MISPLACED):
        kind, _, change = credential.variant.partition("/")
        return f"{credential.kind}/{_role_of(kind)}/{change}"
    return _role_of(credential.kind) or credential.kind


def _role_of(kind: str) -> str:
    return next((role for role, (suite_kind, _) in ROLES.items() if suite_kind == kind), "")


def probe(case: Case, keys: model.Keys) -> model.Probe:
    """The request to send for a case; MissingKey when its role's key was not given."""
    name = case.credential
    if name == MASKED:
        roles = ", ".join(ROLES)
        raise MissingKey(f"the recorder did not know the key's role: put {roles} for {MASKED}")
    if name.startswith(LOOK_ALIKE + "/"):
        role, _, change = name.removeprefix(LOOK_ALIKE + "/").partition("/")
        kind, option = ROLES[role]
        credential = model.look_alike_for(f"{kind}/{change}", keys)
        missing = f"needs {option} with a key that has this look-alike"
    elif name.startswith(MISPLACED + "/"):
        role, _, place = name.removeprefix(MISPLACED + "/").partition("/")
        kind, option = ROLES[role]
        credential = model.misplaced_for(f"{kind}/{place}", keys)
        missing = f"needs {option} (the case's key is the {role} role's)"
    elif name in ROLES:
        kind, option = ROLES[name]
        credential = model.credential_for(kind, keys)
        missing = f"needs {option} (the case's credential is the {name} role)"
    else:
        credential = model.credential_for(name, keys)
        missing = ""
    if credential is None:
        raise MissingKey(missing)
    c = contract()
    path = case.path if case.path != c.path else None
    method = case.method if case.method != c.method else None
    payload = model.Payload(case.body, case.content_type, case.label)
    return model.Probe(payload, credential, path, method=method)


def probes(cases: Iterable[Case], keys: model.Keys) -> tuple[list[model.Probe], list[str]]:
    """The probes to send for these cases, each labelled with its file and line; and the
    cases not sent, each with its file and line and why (its role's key was not given)."""
    sent, unsent = [], []
    for case in cases:
        try:
            made = probe(case, keys)
        except MissingKey as reason:
            unsent.append(f"{case.where}: {reason}")
            continue
        # The report names a failing case by its label, file and line.
        where = replace(made.payload, label=f"case {case.label!r} at {case.where}")
        sent.append(replace(made, payload=where))
    return sent, unsent


def nothing_sent(paths: Sequence[Path], unsent: Sequence[str], noun: str = "case") -> str:
    """Why a run of these files' cases alone sent nothing: they hold none, or none could
    be sent (`unsent`: each with its file and line, and why)."""
    named = ", ".join(str(path) for path in paths)
    if not unsent:
        return f"nothing was sent: {named} {'holds' if len(paths) == 1 else 'hold'} no {noun}"
    more = f"; and {len(unsent) - 1} more" if len(unsent) > 1 else ""
    return f"nothing was sent: no {noun} of {named} could be sent; {unsent[0]}{more}"


# --- failures as cases ------------------------------------------------------------------


def case_of(failure: Failure, target: str, keys: model.Keys) -> Case | None:
    """A failure as a case: its request as sent (the shrunk one, when Hypothesis shrank
    it), its credential by name, the keys masked; None for a finding of the whole run."""
    request, credential = failure.request, failure.sent_with
    if request is None or credential is None or not request.url.startswith(target):
        return None
    case = Case(
        label=label_from(f"{failure.check}: {failure.message}"),
        source="failure",
        method=request.method,
        # A misplaced key's query parameter is the credential's: the case names it.
        path=urlsplit(request.url[len(target) :]).path
        if credential.placed is not None
        else request.url[len(target) :],
        content_type=request.header("Content-Type"),
        body=request.body,
        credential=credential_name(credential),
    )
    return masked(case, keys.by_kind().values())


def save(
    results: Sequence[Result], target: str, keys: model.Keys, directory: Path
) -> list[tuple[Path, int]]:
    """Every distinct failure (and warning raised) of a run, as cases in DIR/<check>.jsonl:
    added to what a file there holds already, unless it holds the same request. The
    files, and how many cases each gained (files that gained none are left out). Raises
    CaseError when a file there is not a case file or cannot be written."""
    saved = []
    for result in results:
        if result.state not in (FAILED, WARNED):
            continue
        path = directory / f"{result.name}{SUFFIX}"
        held = {_request_of(case) for case in load_all([path])} if path.exists() else set()
        new = []
        for failure in result.failures:
            case = case_of(failure, target, keys)
            if case is not None and _request_of(case) not in held:
                held.add(_request_of(case))
                new.append(dumps(case) + "\n")
        if new:
            try:
                directory.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as stream:
                    stream.writelines(new)
            except OSError as error:
                raise CaseError(f"{path}: cannot write it: {error.strerror}") from None
            saved.append((path, len(new)))
    return saved


def _request_of(case: Case) -> tuple[str, str, str | None, bytes, str]:
    """What makes two cases the same request (labels aside)."""
    return (case.method, case.path, case.content_type, case.body, case.credential)


def saved_text(results: Sequence[Result], target: str, keys: model.Keys, directory: Path) -> str:
    """Save a run's failures as cases in `directory` (see `save`); what was saved, in a
    line. Raises CaseError."""
    saved = save(results, target, keys, directory)
    if not saved:
        return f"Cases: no new failure to save in {directory}"
    files = ", ".join(f"{path.name} ({count})" for path, count in saved)
    total = sum(count for _, count in saved)
    return f"Cases: {total} new failure(s) saved in {directory}: {files}"
