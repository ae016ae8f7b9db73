"""What the mock, the contract suite and the validating proxy all stand on: the contract
(the packaged OpenAPI document and its operation), the case format, the option table,
the token vocabulary, and one way to serve ASGI apps. It imports neither side.

The names below are imported when first used: importing a light module of the core (the
option table, the token vocabulary: what the pytest plugin needs in every pytest run)
does not load the spec and its validators."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contacts_core.cases import Case, CaseError, load_all
    from contacts_core.spec import Operation, SpecError, load_spec, operation, spec_path
    from contacts_core.tokens import KNOWN_ROLES, TOKEN_SCHEME, TokenTable, look_alikes

__version__ = "0.1.0"

_HOMES = {
    "Case": "cases",
    "CaseError": "cases",
    "load_all": "cases",
    "Operation": "spec",
    "SpecError": "spec",
    "load_spec": "spec",
    "operation": "spec",
    "spec_path": "spec",
    "KNOWN_ROLES": "tokens",
    "TOKEN_SCHEME": "tokens",
    "TokenTable": "tokens",
    "look_alikes": "tokens",
}

__all__ = [
    "KNOWN_ROLES",
    "TOKEN_SCHEME",
    "Case",
    "CaseError",
    "Operation",
    "SpecError",
    "TokenTable",
    "__version__",
    "load_all",
    "load_spec",
    "look_alikes",
    "operation",
    "spec_path",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{home}"), name)
