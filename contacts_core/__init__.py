"""What the mock, the contract suite and the validating proxy all stand on: the contract
(the packaged OpenAPI document and its operation), the case format, the option table,
the token vocabulary, and one way to serve ASGI apps. It imports neither side."""

from contacts_core.cases import Case, CaseError, load_all
from contacts_core.spec import Operation, SpecError, load_spec, operation, spec_path
from contacts_core.tokens import KNOWN_ROLES, TOKEN_SCHEME, TokenTable, look_alikes

__version__ = "0.1.0"

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
