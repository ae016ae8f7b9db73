"""Is the run itself set up right? Read from the fixed examples' answers, before anything
is generated: a wrong --base-url or a wrong key is not a broken backend, and the run
says so (exit status 3) instead of reporting a hundred contract failures.

Only what no correct backend can answer is taken for a misconfiguration: every request
of the operation answered 404 or 405; or every request answered with a status the
contract does not document and a body that is not JSON (a static file server's 501, a
catch-all's 200 page: something else serves that URL); or every request made with one
given key refused as unknown (401; for --token, 401 or 403). A backend that gives even one
documented status or JSON answer is taken for the operation, however broken (a 500, a 4xx
as an HTML page, a 200 instead of a 201): it is judged as usual. So is one that refuses
some of a key's requests, or answers an admin key 403 (it knows the key and refuses the
role): that breaks the contract.
"""

from __future__ import annotations

from collections import Counter

from contacts_core.media import media_type
from contract_tests.contract import JSON, Contract
from contract_tests.http import Response
from contract_tests.model import ADMIN, NON_STAFF, TOKEN, Probe

# What each given key stands for, in words, and the statuses that mean "never accepted".
_KEYS = {
    TOKEN: ("the staff key (--token)", "staff", frozenset({401, 403})),
    ADMIN: ("the admin key (--admin-token)", "admin", frozenset({401})),
    NON_STAFF: ("the non-staff key (--non-staff-token)", "", frozenset({401})),
}
_NOT_SERVED = frozenset({404, 405})
# Answers that say nothing of the key: a backend may refuse a body's size or media type
# before it looks at the credentials.
_BEFORE_AUTH = frozenset({413, 415})
# The kinds of answer named in a diagnosis, most frequent first.
_SHOWN = 3


class Diagnosis:
    """Watches the answers of the fixed examples; `problem()` says what is wrong with the
    run's own set-up, in one line, or None."""

    def __init__(self, contract: Contract, base_url: str, option: str = "--base-url") -> None:
        self.contract = contract
        self.base_url = base_url
        self.option = option
        """The option that gave base_url, named in the advice."""
        self.on_path: Counter[bool] = Counter()  # answers on the spec's path: served or not
        self.foreign: Counter[str] = Counter()
        """Answers no implementation of the operation gives, by status and media type."""
        self.own = 0
        """Answers the operation may give: a documented status, or a JSON body."""
        self.by_key: dict[str, Counter[int]] = {kind: Counter() for kind in _KEYS}

    def observe(self, probe: Probe, response: Response) -> None:
        """One fixed example's answer."""
        if probe.path is not None:
            return  # the heading path may not be served: the contract allows it
        if probe.method is not None:
            return  # another method's 405 says nothing of the path or the key
        status = response.status
        self.on_path[status in _NOT_SERVED] += 1
        if self.contract.documented(status) or _is_json(response):
            self.own += 1
        else:
            self.foreign[f"{status} {media_type(response.content_type) or 'without a type'}"] += 1
        kind = probe.credential.kind
        if kind in self.by_key and status not in _BEFORE_AUTH:
            self.by_key[kind][status] += 1

    def problem(self) -> str | None:
        if self.on_path[True] and not self.on_path[False]:
            statuses = " or ".join(str(code) for code in sorted(_NOT_SERVED))
            return self._not_served(f"got {statuses}: nothing serves the operation there")
        if self.foreign and not self.own:
            got = " or ".join(kind for kind, _ in self.foreign.most_common(_SHOWN))
            more = ", among others" if len(self.foreign) > _SHOWN else ""
            return self._not_served(
                f"got {got}{more} (no documented status, no JSON): "
                "nothing serving the operation answers there"
            )
        for kind, (who, role, refusals) in _KEYS.items():
            seen = self.by_key[kind]
            if seen and set(seen) <= refusals:
                return self._refused(kind, who, role, seen)
        return None

    def _not_served(self, what: str) -> str:
        where = f"{self.contract.method} {self.base_url}{self.contract.path}"
        line = f"every request to {where} {what}"
        root = self.contract.operation.root_of(self.base_url)
        if root is not None:
            operation = self.contract.heading_path
            return (
                f"{line}; {self.option} already ends in {operation}: give the server's root, {root}"
            )
        return f"{line}; check {self.option} (the server's root, without {self.contract.path})"

    def _refused(self, kind: str, who: str, role: str, seen: Counter[int]) -> str:
        statuses = "/".join(str(code) for code in sorted(seen))
        line = f"{who} was refused ({statuses}) on every request"
        if kind == NON_STAFF:
            return (
                f"{line}: the key may be wrong; it must belong to an account without the "
                "Staff or Admin role, which the contract answers 403"
            )
        because = f"the key may be wrong, or the backend refuses {role} keys"
        if 403 in seen and kind == TOKEN:
            because = (
                "the key may be wrong or belong to an account without the Staff or Admin "
                "role, or the backend refuses staff keys"
            )
        return f"{line}: {because}"


def _is_json(response: Response) -> bool:
    """Said to be JSON, or JSON whatever it is said to be."""
    if media_type(response.content_type) == JSON:
        return True
    try:
        response.json()
    except (ValueError, UnicodeDecodeError):
        return False
    return True
