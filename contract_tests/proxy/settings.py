"""One typed settings object for the validating proxy: everything its command line can change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from contacts_core.cases import MAX_FILE_BYTES

DEFAULT_PORT = 8001


@dataclass(frozen=True)
class ProxySettings:
    upstream: str
    """The backend's base URL (scheme, host, port, an optional path prefix)."""
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    tokens: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Key -> role, for the checks that need to know a key's role."""
    strict: bool = False
    """Answer 502 with the violations instead of an answer that broke the contract."""
    record: Path | None = None
    record_max_bytes: int = MAX_FILE_BYTES
    """At most MAX_FILE_BYTES: what the suite reads back of a case file."""
    upstream_timeout: float = 10.0
    clock_skew: float = 300.0
    cors_origins: tuple[str, ...] = ("*",)
    insecure: bool = False
    """Do not verify the upstream's TLS certificate."""
    control_token: str | None = None
    """The key every /__proxy__/ request needs (they show what frontends sent); None: open."""
    max_violations: int = 1000
    """Violations GET /__proxy__/violations keeps (the latest)."""
    max_ids: int = 1_000_000
    """Created ids remembered for unique_ids (the oldest are forgotten beyond it)."""
