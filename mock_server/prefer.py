"""`Prefer` as the mock reads it: which requests ask for a simulated answer."""

from __future__ import annotations

from starlette.types import Scope

from contacts_core.prefer import prefer_headers, preferences

__all__ = ["is_simulated", "prefer_headers", "preferences"]


def is_simulated(scope: Scope) -> bool:
    """Whether the request asks for a documented answer (`code=` or `example=`), which the
    mock gives without doing what a backend would."""
    wanted = preferences(prefer_headers(scope))
    return "code" in wanted or "example" in wanted
