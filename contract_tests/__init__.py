"""A property-based contract suite for the Contacts API, built on Schemathesis and Hypothesis.

The names below are what a program may rely on; the modules they come from are the
suite's own layout and may change. They are imported when first used, so that the pytest
plugin, which imports this package in every pytest run, costs nothing until it is used.

    from contract_tests import Config, run, from_outcome, console

    outcome = run(Config(base_url="http://127.0.0.1:8000", token="staff-token"))
    print(console(from_outcome(outcome)))
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "Config": "contract_tests.config",
    "ConfigError": "contract_tests.config",
    "build": "contract_tests.config",
    "run": "contract_tests.engine",
    "Engine": "contract_tests.engine",
    "Interrupted": "contract_tests.engine",
    "Outcome": "contract_tests.outcome",
    "Verdict": "contract_tests.outcome",
    "Keys": "contract_tests.model",
    "Findings": "contract_tests.findings",
    "Scope": "contract_tests.checks",
    "CHECKS": "contract_tests.checks",
    "WARNINGS": "contract_tests.client_warnings",
    "TargetUnreachable": "contract_tests.http",
    "TargetLost": "contract_tests.http",
    "Report": "contract_tests.report",
    "from_outcome": "contract_tests.report",
    "from_findings": "contract_tests.report",
    "console": "contract_tests.report",
    "markdown": "contract_tests.report",
    "html": "contract_tests.report",
    "junit": "contract_tests.report",
    "write": "contract_tests.report",
    "ProxySettings": "contract_tests.proxy",
    "ValidatingProxy": "contract_tests.proxy",
    "create_proxy": "contract_tests.proxy",
}

__all__ = [
    "CHECKS",
    "WARNINGS",
    "Config",
    "ConfigError",
    "Engine",
    "Findings",
    "Interrupted",
    "Keys",
    "Outcome",
    "ProxySettings",
    "Report",
    "Scope",
    "TargetLost",
    "TargetUnreachable",
    "ValidatingProxy",
    "Verdict",
    "__version__",
    "build",
    "console",
    "create_proxy",
    "from_findings",
    "from_outcome",
    "html",
    "junit",
    "markdown",
    "run",
    "write",
]

if TYPE_CHECKING:
    from contract_tests.checks import CHECKS, Scope
    from contract_tests.client_warnings import WARNINGS
    from contract_tests.config import Config, ConfigError, build
    from contract_tests.engine import Engine, Interrupted, run
    from contract_tests.findings import Findings
    from contract_tests.http import TargetLost, TargetUnreachable
    from contract_tests.model import Keys
    from contract_tests.outcome import Outcome, Verdict
    from contract_tests.proxy import ProxySettings, ValidatingProxy, create_proxy
    from contract_tests.report.console import console
    from contract_tests.report.files import write
    from contract_tests.report.html import html
    from contract_tests.report.junit import junit
    from contract_tests.report.markdown import markdown
    from contract_tests.report.model import Report, from_findings, from_outcome


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'contract_tests' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # imported once
    return value
