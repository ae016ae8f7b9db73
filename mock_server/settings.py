"""One typed settings object for the mock: everything the command line can change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from contacts_core.logs import LogFormat

DEFAULT_TOKENS: Mapping[str, str] = MappingProxyType(
    {"staff-token": "staff", "admin-token": "admin", "user-token": "user"}
)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    tokens: Mapping[str, str] = field(default_factory=lambda: DEFAULT_TOKENS)
    cors_origins: tuple[str, ...] = ("*",)
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    seed_file: Path | None = None
    max_contacts: int = 100_000
    head_timeout_s: float = 10.0
    journal_size: int = 1000
    log_format: LogFormat = "text"
    fault: str | None = None
    store: str = "memory"
    """`memory`, or a redis:// or rediss:// URL shared by every worker and replica."""
    store_prefix: str = "contacts-mock"
    store_timeout_s: float = 2.0
    """The longest a request waits for the store before it gets 503."""
    workers: int = 1
    control_token: str | None = None
    """When set, every /__mock__/ request needs `Authorization: Token <it>`."""
    record: Path | None = None
    """A case file the contract operation's requests are appended to."""
