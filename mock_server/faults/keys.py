"""Keys that resemble a valid key are taken for it: where token look-ups go wrong.

Each fault finds the key a sent key is mistaken for, and the backend then believes that
key was sent (with its role: a look-alike of a key without permission gets 403).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mock_server.faults.auth import as_key
from mock_server.faults.registry import credentials_fault

# Knox-style tokens are found by a short prefix before their digest is compared.
PREFIX_LENGTH = 8


def _mistaken(
    header: str | None, tokens: Mapping[str, str], same: Callable[[str, str], bool]
) -> str | None:
    """The header with the known key the sent one is mistaken for, or as it was."""
    scheme, _, sent = (header or "").partition(" ")
    if scheme.lower() != "token" or not sent or sent in tokens:
        return header
    return as_key(header, next((key for key in tokens if same(sent, key)), None))


@credentials_fault(
    "key-prefix-lookup",
    f"a key is found by its first {PREFIX_LENGTH} characters; the rest is never compared",
    "authentication_required",
)
def key_prefix_lookup(header: str | None, tokens: Mapping[str, str]) -> str | None:
    return _mistaken(
        header,
        tokens,
        lambda sent, key: (
            len(sent) >= PREFIX_LENGTH and sent[:PREFIX_LENGTH] == key[:PREFIX_LENGTH]
        ),
    )


@credentials_fault(
    "key-truncated",
    "a key is cut to the key column's width (the longest key) before the look-up",
    "authentication_required",
)
def key_truncated(header: str | None, tokens: Mapping[str, str]) -> str | None:
    width = max(len(key) for key in tokens)
    return _mistaken(header, tokens, lambda sent, key: sent[:width] == key)


@credentials_fault(
    "key-case-insensitive",
    "keys are compared without regard to letter case (a case-insensitive collation)",
    "authentication_required",
)
def key_case_insensitive(header: str | None, tokens: Mapping[str, str]) -> str | None:
    return _mistaken(header, tokens, lambda sent, key: sent.casefold() == key.casefold())


@credentials_fault(
    "key-whitespace-removed",
    "spaces and tabs inside a key are removed before the look-up",
    "authentication_required",
)
def key_whitespace_removed(header: str | None, tokens: Mapping[str, str]) -> str | None:
    words = (header or "").split()
    if len(words) < 3:
        return header
    joined = f"{words[0]} {''.join(words[1:])}"
    return _mistaken(joined, tokens, lambda sent, key: sent == key)
