"""The suite's options: one table for the command line, the pytest plugin and the environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_PREFIX = "CONTACTS_CONTRACT_"


class ConfigError(Exception):
    """A usage or configuration error (exit code 2); the message is one line."""


@dataclass(frozen=True)
class Config:
    base_url: str | None = None
    token: str | None = None
    admin_token: str | None = None
    non_staff_token: str | None = None
    max_examples: int = 300
    seed: int | None = None
    workers: int = 2
    request_timeout: float = 10.0
    rate_limit: float | None = None
    junit_xml: Path | None = None
    report: Path | None = None
    clock_skew: float = 300.0
    show_token: bool = False
    insecure: bool = False
    max_time: float | None = None
    warnings_as_errors: bool = False
    cases: tuple[Path, ...] = ()
    cases_only: bool = False
    save_cases: Path | None = None

    @property
    def embedded(self) -> bool:
        """No --base-url: the suite tests the embedded mock."""
        return self.base_url is None


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{value} must be at least 1")
    return number


def _seed(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(f"{value} must be 0 or more")
    return number


def _workers(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 32:
        raise ValueError(f"{value} must be between 1 and 32")
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if not 0 < number <= 3600:
        raise ValueError(f"{value} must be more than 0 and at most 3600")
    return number


def _budget(value: str) -> float:
    number = float(value)
    if not 0 < number <= 86400:
        raise ValueError(f"{value} must be more than 0 and at most 86400")
    return number


def _non_negative(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 86400:
        raise ValueError(f"{value} must be between 0 and 86400")
    return number


def _rate(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(f"{value} must be more than 0")
    return number


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise ValueError(f"{value!r} must not have a query or a fragment")
    return value.rstrip("/")


def _key(value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise ValueError("a key must be non-empty and without spaces")
    return value


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"{value!r} is not a yes/no value")


@dataclass(frozen=True)
class Option:
    """One option: `--name`, the environment variable CONTACTS_CONTRACT_<NAME>, a parser."""

    name: str
    parse: Callable[[str], Any]
    help: str
    metavar: str = ""
    flag: bool = False
    repeatable: bool = False
    """Given several times; its environment variable holds the values separated by
    os.pathsep (":" on Unix), as PATH does."""

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.dest.upper()

    @property
    def flag_name(self) -> str:
        return "--" + self.name


OPTIONS = (
    Option(
        "base-url", _url, "the backend to test; without it, the embedded mock is started", "URL"
    ),
    Option("token", _key, "a key with a role the spec allows (required with --base-url)", "KEY"),
    Option("admin-token", _key, "an admin key, for the admin checks", "KEY"),
    Option(
        "non-staff-token", _key, "a key of an account without permission, for the 403 checks", "KEY"
    ),
    Option("max-examples", _positive_int, "examples per generated phase (default 300)", "N"),
    Option(
        "max-time",
        _budget,
        "a time budget in seconds: the fixed examples always run, the generated phases "
        "share what is left and stop when it is spent (default: no budget)",
        "SECONDS",
    ),
    Option("seed", _seed, "the random seed; the same seed replays a run exactly", "N"),
    Option("workers", _workers, "generated phases run at once (default 2)", "N"),
    Option(
        "request-timeout",
        _seconds,
        "seconds before a request counts as unanswered (default 10)",
        "S",
    ),
    Option("rate-limit", _rate, "at most this many requests per second (default: no limit)", "R"),
    Option("junit-xml", Path, "write a JUnit XML report here, one test case per check", "PATH"),
    Option(
        "report", Path, "write a readable report here: markdown, or HTML if PATH ends .html", "PATH"
    ),
    Option(
        "clock-skew",
        _non_negative,
        "seconds a timestamp may differ from this clock (default 300)",
        "S",
    ),
    Option(
        "show-token", _flag, "show keys in reproduction commands instead of masking them", flag=True
    ),
    Option(
        "insecure",
        _flag,
        "do not verify the target's TLS certificate (a staging server with a self-signed one)",
        flag=True,
    ),
    Option(
        "warnings-as-errors",
        _flag,
        "fail the run (exit code 1) when a warning is raised, not only when a check fails",
        flag=True,
    ),
    Option(
        "cases",
        Path,
        "a case file, or a folder of them (*.jsonl), sent first on every run whatever the "
        "budget; repeatable",
        "PATH",
        repeatable=True,
    ),
    Option(
        "cases-only",
        _flag,
        "send the cases alone: no fixed examples, no generated phases",
        flag=True,
    ),
    Option(
        "save-cases",
        Path,
        "write every distinct failure (and warning raised) of the run to DIR/<check>.jsonl "
        "as a case to replay with --cases (new ones are added to a file there)",
        "DIR",
    ),
)


def build(values: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Config:
    """A Config from parsed option values (None: not given), falling back to the environment.

    Raises ConfigError naming the option or variable that is wrong.
    """
    env = os.environ if environ is None else environ
    kwargs: dict[str, Any] = {}
    for option in OPTIONS:
        value = values.get(option.dest)
        source = option.flag_name
        if value is None or value is False:
            raw = env.get(option.env)
            if raw is None or raw == "":
                continue
            source = option.env
            value = [item for item in raw.split(os.pathsep) if item] if option.repeatable else raw
        try:
            if option.repeatable:
                value = tuple(option.parse(item) for item in value)
            elif isinstance(value, str):
                value = option.parse(value)
        except ValueError as error:
            raise ConfigError(f"{source}: {error}") from None
        kwargs[option.dest] = value
    known = {f.name for f in fields(Config)}
    config = Config(**{k: v for k, v in kwargs.items() if k in known})
    if config.base_url is not None and config.token is None:
        raise ConfigError(f"--token (or {ENV_PREFIX}TOKEN) is required with --base-url")
    if config.cases_only and not config.cases:
        raise ConfigError("--cases-only needs --cases PATH (the cases to send)")
    return config
