"""Deliberate backend bugs, one at a time (`contacts-mock --fault NAME`).

They prove that the contract suite gates: each fault is a small, realistic mistake a
backend makes, and names the suite's check expected to catch it (or, for an answer the
contract allows but clients trip over, the suite's warning). A fault the suite does not
catch is a bug in the suite.

Each fault is a small function in one of the family modules below, registered with its
name (see `registry`); `injector` applies one of them around the mock's contract path.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from starlette.types import ASGIApp

from mock_server.faults import auth, clients, created, forms, keys, responses, text, validation
from mock_server.faults.injector import FaultInjector
from mock_server.faults.registry import Fault, registered

# The catalogue's order (what --list-faults prints): by the family modules, in this order.
FAMILIES = (responses, created, text, validation, forms, auth, keys, clients)

__all__ = ["Fault", "catalogue", "caught", "get", "inject", "listing"]


@cache
def catalogue() -> dict[str, Fault]:
    """Every fault by name."""
    order = [family.__name__ for family in FAMILIES]
    faults = sorted(registered(), key=lambda f: order.index(f.family))
    return {f.name: f for f in faults}


def get(name: str) -> Fault:
    try:
        return catalogue()[name]
    except KeyError:
        raise ValueError(
            f"unknown fault {name!r}; contacts-mock --list-faults lists them"
        ) from None


def caught(fault: Fault) -> str:
    """How the suite notices the fault, as --list-faults says it."""
    return f"warning {fault.caught_by}" if fault.warning else f"caught by {fault.caught_by}"


def listing() -> str:
    """The catalogue as printed by `contacts-mock --list-faults`."""
    faults = catalogue().values()
    width = max(len(f.name) for f in faults)
    return "\n".join(f"{f.name:<{width}}  {f.description} [{caught(f)}]" for f in faults)


def inject(app: ASGIApp, name: str | None, tokens: Mapping[str, str]) -> ASGIApp:
    """The app with the named fault applied; the app itself when there is none."""
    return app if name is None else FaultInjector(app, get(name), tokens)
