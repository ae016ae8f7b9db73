"""contacts-mock: options and environment variables, the start-up banner, clear errors."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from mock_server import __version__, faults
from mock_server.app import ADMIN_PREFIX, MockApp
from mock_server.auth import KNOWN_ROLES
from mock_server.seed import SeedError
from mock_server.serve import MockServer, ServeError, is_loopback
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


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0-65535)")
    return port


def _milliseconds(value: str) -> float:
    number = float(value)
    if not 0 <= number <= 600_000:
        raise argparse.ArgumentTypeError(f"{value} must be between 0 and 600000 ms")
    return number


def _seconds(value: str) -> float:
    number = float(value)
    if not 0.1 <= number <= 3600:
        raise argparse.ArgumentTypeError(f"{value} must be between 0.1 and 3600 s")
    return number


def _store_seconds(value: str) -> float:
    number = float(value)
    if not 0.1 <= number <= 60:
        raise argparse.ArgumentTypeError(f"{value} must be between 0.1 and 60 s")
    return number


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


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return number


def _env(name: str) -> str | None:
    return os.environ.get(ENV_PREFIX + name) or None


def _env_list(name: str) -> list[str]:
    raw = _env(name)
    return [item.strip() for item in raw.split(",") if item.strip()] if raw else []


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="contacts-mock",
        description="A stateful mock of the Contacts API, driven by its OpenAPI contract. "
        f"Every option can also be set with an environment variable {ENV_PREFIX}<NAME>.",
    )
    add = parser.add_argument
    add("--host", default=_env("HOST") or "127.0.0.1", help="address to listen on [HOST]")
    add(
        "--port", type=_port, default=_env("PORT") or "8000", help="port; 0 picks a free one [PORT]"
    )
    add(
        "--token",
        dest="tokens",
        action="append",
        type=_token,
        metavar="KEY=ROLE",
        help="an accepted token and its role (staff, admin or user); repeatable; replaces the "
        "built-in tokens [TOKENS, comma-separated]",
    )
    add(
        "--cors-origin",
        dest="cors_origins",
        action="append",
        metavar="ORIGIN",
        help="an allowed browser origin; repeatable; default any [CORS_ORIGINS]",
    )
    add(
        "--latency",
        type=_milliseconds,
        default=_env("LATENCY") or "0",
        metavar="MS",
        help="delay added to every API response [LATENCY]",
    )
    add(
        "--jitter",
        type=_milliseconds,
        default=_env("JITTER") or "0",
        metavar="MS",
        help="random extra delay, up to MS [JITTER]",
    )
    add(
        "--seed-file",
        type=Path,
        default=_env("SEED_FILE"),
        metavar="PATH",
        help="JSON list of contacts to preload [SEED_FILE]",
    )
    add(
        "--max-contacts",
        type=_positive,
        default=_env("MAX_CONTACTS") or "100000",
        metavar="N",
        help="contacts kept; the oldest are dropped beyond it [MAX_CONTACTS]",
    )
    add(
        "--head-timeout",
        type=_seconds,
        default=_env("HEAD_TIMEOUT") or "10",
        metavar="S",
        help="a request head not received within S seconds gets 408 [HEAD_TIMEOUT]",
    )
    add(
        "--store",
        type=_store,
        default=_env("STORE") or MEMORY,
        metavar="URL",
        help="where contacts and the request journal live: memory (this process) or "
        "redis://host:port/db, rediss://... (shared by every worker and replica) [STORE]",
    )
    add(
        "--store-prefix",
        type=_store_prefix,
        default=_env("STORE_PREFIX") or "contacts-mock",
        metavar="NAME",
        help="Redis keys start {NAME}:, so several mocks can share one Redis [STORE_PREFIX]",
    )
    add(
        "--store-timeout",
        type=_store_seconds,
        default=_env("STORE_TIMEOUT") or "2",
        metavar="S",
        help="a request waits at most S seconds for the store, then gets 503 [STORE_TIMEOUT]",
    )
    add(
        "--workers",
        type=_positive,
        default=_env("WORKERS") or "1",
        metavar="N",
        help="worker processes; more than 1 needs a shared store (--store redis://...) [WORKERS]",
    )
    add(
        "--control-token",
        default=_env("CONTROL_TOKEN"),
        metavar="KEY",
        help="every /__mock__/ request then needs Authorization: Token KEY [CONTROL_TOKEN]",
    )
    add(
        "--log-format",
        choices=["text", "json"],
        default=_env("LOG_FORMAT") or "text",
        help="[LOG_FORMAT]",
    )
    add(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        default=_env("LOG_LEVEL") or "info",
        help="[LOG_LEVEL]",
    )
    add(
        "--fault",
        default=_env("FAULT"),
        metavar="NAME",
        help="serve with one deliberate backend bug, to check that a contract suite catches "
        "it; see --list-faults [FAULT]",
    )
    add("--list-faults", action="store_true", help="list the faults --fault accepts, and exit")
    add("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def parse_settings(argv: Sequence[str] | None = None) -> tuple[Settings, str]:
    """Settings from the command line and the environment, and the log level."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_faults:
        print(faults.listing())
        parser.exit(0)
    if args.fault is not None and args.fault not in faults.catalogue():
        parser.error(f"--fault: unknown fault {args.fault!r}; --list-faults lists them")
    tokens = args.tokens
    if tokens is None and _env_list("TOKENS"):
        try:
            tokens = [_token(item) for item in _env_list("TOKENS")]
        except argparse.ArgumentTypeError as error:
            parser.error(f"{ENV_PREFIX}TOKENS: {error}")
    settings = Settings(
        host=args.host,
        port=args.port,
        tokens=dict(tokens) if tokens else DEFAULT_TOKENS,
        cors_origins=tuple(args.cors_origins or _env_list("CORS_ORIGINS") or ["*"]),
        latency_ms=args.latency,
        jitter_ms=args.jitter,
        seed_file=args.seed_file,
        max_contacts=args.max_contacts,
        head_timeout_s=args.head_timeout,
        log_format=args.log_format,
        fault=args.fault,
        store=args.store,
        store_prefix=args.store_prefix,
        store_timeout_s=args.store_timeout,
        workers=args.workers,
        control_token=args.control_token,
    )
    if settings.workers > 1 and settings.store == MEMORY:
        parser.error(
            f"--workers {settings.workers} needs a shared store (--store redis://...): "
            "with the memory store each worker would have its own contacts and ids"
        )
    return settings, args.log_level


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
