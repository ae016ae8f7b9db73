"""The suite's options: one table for the command line, the pytest plugin and the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contacts_core.options import ConfigError, Option, key, key_table, number, resolve, url
from contacts_core.outputs import output_file, output_folder

__all__ = ["ENV_PREFIX", "OPTIONS", "Config", "ConfigError", "build"]

ENV_PREFIX = "CONTACTS_CONTRACT_"


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
    fail_under_coverage: float | None = None
    cases: tuple[Path, ...] = ()
    cases_only: bool = False
    save_cases: Path | None = None

    def __post_init__(self) -> None:
        # Each key stands for one role: a key given twice would make the suite expect two
        # answers to the same request, and blame the backend for one of them.
        given = [(getattr(self, name.replace("-", "_")), f"--{name}") for name in _KEYS]
        try:
            key_table((value, name) for value, name in given if value is not None)
        except ValueError as error:
            raise ConfigError(str(error)) from None

    @property
    def embedded(self) -> bool:
        """No --base-url: the suite tests the embedded mock."""
        return self.base_url is None


_DAY = 86400
_KEYS = ("token", "admin-token", "non-staff-token")


OPTIONS = (
    Option("base-url", url, "the backend to test; without it, the embedded mock is started", "URL"),
    Option("token", key, "a key with a role the spec allows (required with --base-url)", "KEY"),
    Option("admin-token", key, "an admin key, for the admin checks", "KEY"),
    Option(
        "non-staff-token", key, "a key of an account without permission, for the 403 checks", "KEY"
    ),
    Option("max-examples", number(int, 1), "examples per generated phase (default 300)", "N"),
    Option(
        "max-time",
        number(float, 0, _DAY, above=True),
        "a time budget in seconds: the fixed examples always run, the generated phases "
        "share what is left and stop when it is spent (default: no budget)",
        "SECONDS",
    ),
    Option("seed", number(int, 0), "the random seed; the same seed replays a run exactly", "N"),
    Option(
        "workers",
        number(int, 1, 32),
        "generated phases run at once, each drawn in a process of its own (default 2)",
        "N",
    ),
    Option(
        "request-timeout",
        number(float, 0, 3600, above=True),
        "seconds before a request counts as unanswered (default 10)",
        "S",
    ),
    Option(
        "rate-limit",
        number(float, 0, above=True),
        "at most this many requests per second (default: no limit)",
        "R",
    ),
    Option(
        "junit-xml", output_file, "write a JUnit XML report here, one test case per check", "PATH"
    ),
    Option(
        "report",
        output_file,
        "write a readable report here: markdown, or HTML if PATH ends .html",
        "PATH",
    ),
    Option(
        "clock-skew",
        number(float, 0, _DAY),
        "seconds a timestamp may differ from this clock (default 300)",
        "S",
    ),
    Option(
        "show-token", help="show keys in reproduction commands instead of masking them", flag=True
    ),
    Option(
        "insecure",
        help="do not verify the target's TLS certificate (a staging server with a self-signed one)",
        flag=True,
    ),
    Option(
        "warnings-as-errors",
        help="fail the run (exit code 1) when a warning is raised, not only when a check fails",
        flag=True,
    ),
    Option(
        "fail-under-coverage",
        number(float, 0, 100),
        "fail the run (exit code 1) when the input coverage, the share of the contract's "
        "input cells the run sent, is under PCT percent (default: off)",
        "PCT",
    ),
    Option(
        "cases",
        Path,
        "a case file, or a folder of them (*.jsonl), sent first on every run whatever the budget",
        "PATH",
        separator=os.pathsep,  # as PATH does
    ),
    Option(
        "cases-only",
        help="send the cases alone: no fixed examples, no generated phases",
        flag=True,
    ),
    Option(
        "save-cases",
        output_folder,
        "write every distinct failure (and warning raised) of the run to DIR/<check>.jsonl "
        "as a case to replay with --cases (new ones are added to a file there)",
        "DIR",
    ),
)


def build(values: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Config:
    """A Config from the options' text as given (None: not given), falling back to the
    environment.

    Raises ConfigError naming the option or variable that is wrong.
    """
    resolved = resolve(OPTIONS, values, os.environ if environ is None else environ, ENV_PREFIX)
    config = Config(**{name: value for name, value in resolved.items() if value is not None})
    if config.base_url is not None and config.token is None:
        raise ConfigError(f"--token (or {ENV_PREFIX}TOKEN) is required with --base-url")
    if config.cases_only and not config.cases:
        raise ConfigError("--cases-only needs --cases PATH (the cases to send)")
    return config
