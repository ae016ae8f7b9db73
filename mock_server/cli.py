"""contacts-mock: options and environment variables, the start-up banner, clear errors."""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from mock_server import __version__, faults
from mock_server.app import ADMIN_PREFIX, MockApp
from mock_server.auth import KNOWN_ROLES
from mock_server.seed import SeedError
from mock_server.serve import MockServer, ServeError, is_loopback, workers_problem
from mock_server.settings import DEFAULT_TOKENS, Settings
from mock_server.store import MEMORY, REDIS_SCHEMES

ENV_PREFIX = "CONTACTS_MOCK_"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump: the message names the option.
        self.exit(2, f"{self.prog}: error: {message}\n")


def _token(value: str) -> tuple[str, str]:
    key, sep, role = value.partition("=")
    if not sep or not key or role not in KNOWN_ROLES:
        raise argparse.ArgumentTypeError(
            f"expected KEY=ROLE with ROLE one of {', '.join(KNOWN_ROLES)}, got {value!r}"
        )
    return key, role


def _number(kind: type[float] | type[int], low: float, high: float, unit: str = "") -> Any:
    """A converter to a number within [low, high], for argparse."""

    def convert(value: str) -> float | int:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
        if not low <= number <= high:
            bounds = f"at least {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
            raise argparse.ArgumentTypeError(f"{value} must be {bounds}{unit}")
        return number

    return convert


def _store(value: str) -> str:
    if value != MEMORY and not value.startswith(REDIS_SCHEMES):
        raise argparse.ArgumentTypeError(
            f"expected {MEMORY} or a redis:// or rediss:// URL, got {value.split('@')[-1]!r}"
        )
    return value


# The prefix sits inside the keys' hash tag, {NAME}: no braces, nothing odd.
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def _store_prefix(value: str) -> str:
    if not _PREFIX.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r}: use letters, digits and . _ : - (at most 100, no braces)"
        )
    return value


@dataclass(frozen=True)
class Option:
    """One option of the command line and its environment variable, CONTACTS_MOCK_<env>."""

    flag: str
    env: str
    help: str
    default: str | None = None
    type: Callable[[str], Any] = str
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    repeatable: bool = False
    """Given several times; the environment variable holds a comma-separated list."""
    setting: str | None = None
    """The Settings field it sets, when not the flag's name."""


_COUNT = _number(int, 1, math.inf)

OPTIONS = (
    Option("--host", "HOST", "address to listen on", "127.0.0.1"),
    Option("--port", "PORT", "port; 0 picks a free one", "8000", _number(int, 0, 65535)),
    Option(
        "--token", "TOKENS", "an accepted token and its role (staff, admin or user); "
        "replaces the built-in tokens", type=_token, metavar="KEY=ROLE", repeatable=True,
        setting="tokens",
    ),
    Option("--cors-origin", "CORS_ORIGINS", "an allowed browser origin; default any",
           metavar="ORIGIN", repeatable=True, setting="cors_origins"),
    Option("--latency", "LATENCY", "delay added to every API response", "0",
           _number(float, 0, 600_000, " ms"), "MS", setting="latency_ms"),
    Option("--jitter", "JITTER", "random extra delay, up to MS", "0",
           _number(float, 0, 600_000, " ms"), "MS", setting="jitter_ms"),
    Option("--seed-file", "SEED_FILE", "JSON list of contacts to preload", type=Path,
           metavar="PATH"),
    Option("--max-contacts", "MAX_CONTACTS", "contacts kept; the oldest are dropped beyond it",
           "100000", _COUNT, "N"),
    Option("--head-timeout", "HEAD_TIMEOUT",
           "a request head not received within S seconds gets 408", "10",
           _number(float, 0.1, 3600, " s"), "S", setting="head_timeout_s"),
    Option("--store", "STORE", "where contacts and the request journal live: memory (this "
           "process) or redis://host:port/db, rediss://... (shared by every worker and replica)",
           MEMORY, _store, "URL"),
    Option("--store-prefix", "STORE_PREFIX",
           "Redis keys start {NAME}:, so several mocks can share one Redis", "contacts-mock",
           _store_prefix, "NAME"),
    Option("--store-timeout", "STORE_TIMEOUT",
           "a request waits at most S seconds for the store, then gets 503", "2",
           _number(float, 0.1, 60, " s"), "S", setting="store_timeout_s"),
    Option("--workers", "WORKERS",
           "worker processes; more than 1 needs a shared store (--store redis://...)", "1",
           _COUNT, "N"),
    Option("--control-token", "CONTROL_TOKEN",
           "every /__mock__/ request then needs Authorization: Token KEY", metavar="KEY"),
    Option("--log-format", "LOG_FORMAT", "", "text", choices=("text", "json")),
    Option("--log-level", "LOG_LEVEL", "", "info", choices=("debug", "info", "warning", "error")),
    Option("--fault", "FAULT", "serve with one deliberate backend bug, to check that a "
           "contract suite catches it; see --list-faults", metavar="NAME"),
    Option("--record", "RECORD", "append every request of the API to FILE as a case (JSON "
           "Lines, keys replaced by their roles), to replay with contacts-contract --cases",
           type=Path, metavar="FILE"),
)  # fmt: skip


def _dest(option: Option) -> str:
    return option.setting or option.flag[2:].replace("-", "_")


def _from_environment(option: Option, parser: argparse.ArgumentParser) -> Any:
    """The option's value from its environment variable (None when unset), checked."""
    name = ENV_PREFIX + option.env
    raw = os.environ.get(name) or None
    if raw is None or not option.repeatable:
        return raw
    try:
        return [option.type(item.strip()) for item in raw.split(",") if item.strip()] or None
    except argparse.ArgumentTypeError as error:
        parser.error(f"{name}: {error}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="contacts-mock",
        description="A stateful mock of the Contacts API, driven by its OpenAPI contract. "
        f"Every option can also be set with an environment variable {ENV_PREFIX}<NAME>.",
    )
    for option in OPTIONS:
        environment = f"{option.env}, comma-separated" if option.repeatable else option.env
        parser.add_argument(
            option.flag,
            dest=_dest(option),
            type=option.type,
            metavar=option.metavar,
            choices=option.choices,
            action="append" if option.repeatable else "store",
            help=" ".join(filter(None, [option.help, "(repeatable)" * option.repeatable,
                                        f"[{environment}]"])),
        )  # fmt: skip
    parser.add_argument(
        "--list-faults", action="store_true", help="list the faults --fault accepts, and exit"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def parse_settings(argv: Sequence[str] | None = None) -> tuple[Settings, str]:
    """Settings from the command line and the environment, and the log level. An option
    beats its environment variable, which beats the default."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_faults:
        print(faults.listing())
        parser.exit(0)
    given: dict[str, Any] = {}
    for option in OPTIONS:
        value = getattr(args, _dest(option))
        if value is None:
            value = _from_environment(option, parser)
        if value is None and option.default is not None:
            value = option.default
        if isinstance(value, str) and not option.repeatable and option.type is not str:
            try:
                value = option.type(value)
            except argparse.ArgumentTypeError as error:
                parser.error(f"{ENV_PREFIX}{option.env}: {error}")
        if option.choices and value not in option.choices:
            parser.error(f"{ENV_PREFIX}{option.env}: {value!r} is not one of {option.choices}")
        given[_dest(option)] = value
    if given["fault"] is not None and given["fault"] not in faults.catalogue():
        parser.error(f"--fault: unknown fault {given['fault']!r}; --list-faults lists them")
    log_level = given.pop("log_level")
    given["tokens"] = dict(given["tokens"]) if given["tokens"] else DEFAULT_TOKENS
    given["cors_origins"] = tuple(given["cors_origins"] or ["*"])
    settings = Settings(**given)
    problem = workers_problem(settings)
    if problem:
        parser.error(problem)
    return settings, log_level


def _mask(key: str) -> str:
    return key if key in DEFAULT_TOKENS else f"{key[:2]}…{key[-2:]}" if len(key) > 6 else "…"


def banner(settings: Settings, mock: MockApp, base_url: str, seed_report: str | None) -> str:
    tokens = ", ".join(f"{_mask(key)} ({role})" for key, role in settings.tokens.items())
    fault = settings.fault
    lines = [f"contacts-mock {__version__} is serving the Contacts API contract"]
    if fault:
        lines.append(f"  FAULT:       {fault}: {faults.get(fault).description}")
    lines += [
        f"  API:         {base_url}{mock.operation.path}",
        f"  Swagger UI:  {base_url}/api/ui/",
        f"  OpenAPI:     {base_url}/api/openapi.json",
        f"  Admin:       {base_url}{ADMIN_PREFIX}/contacts"
        + (" (Authorization: Token <control token>)" if settings.control_token else ""),
        f"  Tokens:      {tokens}",
        f"  Store:       {mock.store.describe()}"
        + (f", {settings.workers} workers" if settings.workers > 1 else ""),
    ]
    if seed_report:
        lines.append(f"  Seed file:   {seed_report}")
    if settings.record:
        lines.append(f"  Recording:   {settings.record} (the API's requests, as cases)")
    if not settings.control_token and not is_loopback(settings.host):
        lines.append(
            f"  WARNING:     no --control-token: anyone who can reach {settings.host} can read "
            f"and reset its data ({ADMIN_PREFIX}/)"
        )
    lines.append("  Send:        Authorization: Token <key>. Press Ctrl-C to stop.")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    settings, log_level = parse_settings(argv)
    try:
        server = MockServer(settings, log_level, own_process=True)
    except (SeedError, ServeError, ValueError) as error:
        raise SystemExit(f"contacts-mock: error: {error}") from None
    print(banner(settings, server.mock, server.url, server.seed_report), flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    except ServeError as error:
        raise SystemExit(f"contacts-mock: error: {error}") from None


if __name__ == "__main__":
    main(sys.argv[1:])
