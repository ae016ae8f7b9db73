"""contacts-mock: options and environment variables, the start-up banner, clear errors."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from contacts_core.options import Option, Parser, key, key_role, key_table, number, origin, port
from contacts_core.outputs import output_file
from contacts_core.serve import is_loopback
from mock_server import __version__, faults
from mock_server.app import ADMIN_PREFIX, MockApp
from mock_server.seed import SeedError
from mock_server.server import MockServer, ServeError, workers_problem
from mock_server.settings import DEFAULT_TOKENS, Settings
from mock_server.store import MEMORY, REDIS_SCHEMES

ENV_PREFIX = "CONTACTS_MOCK_"


def _store(value: str) -> str:
    if value != MEMORY and not value.startswith(REDIS_SCHEMES):
        raise ValueError(
            f"expected {MEMORY} or a redis:// or rediss:// URL, got {value.split('@')[-1]!r}"
        )
    return value


# The prefix sits inside the keys' hash tag, {NAME}: no braces, nothing odd.
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")


def _store_prefix(value: str) -> str:
    if not _PREFIX.fullmatch(value):
        raise ValueError(f"{value!r}: use letters, digits and . _ : - (at most 100, no braces)")
    return value


def _fault(name: str) -> str:
    if name not in faults.catalogue():
        raise ValueError(f"unknown fault {name!r}; --list-faults lists them")
    return name


_COUNT = number(int, 1)
_MS = number(float, 0, 600_000, unit=" ms")
_BUILT_IN_TOKENS = ",".join(f"{key}={role}" for key, role in DEFAULT_TOKENS.items())

OPTIONS = (
    Option("host", help="address to listen on", default="127.0.0.1"),
    Option("port", port, "port; 0 picks a free one", default="8000"),
    Option("token", key_role, "an accepted token and its role (staff, admin or user); "
           "replaces the built-in tokens", "KEY=ROLE", _BUILT_IN_TOKENS, separator=",",
           collect=key_table, setting="tokens"),
    Option("cors-origin", origin, "an allowed browser origin, scheme://host[:port]; * is any",
           "ORIGIN", "*", separator=",", setting="cors_origins"),
    Option("latency", _MS, "delay added to every API response", "MS", "0",
           setting="latency_ms", env="LATENCY"),
    Option("jitter", _MS, "random extra delay, up to MS", "MS", "0", setting="jitter_ms",
           env="JITTER"),
    Option("seed-file", Path, "JSON list of contacts to preload", "PATH"),
    Option("max-contacts", _COUNT, "contacts kept; the oldest are dropped beyond it", "N",
           "100000"),
    Option("head-timeout", number(float, 0.1, 3600, unit=" s"),
           "a request head not received within S seconds gets 408", "S", "10",
           setting="head_timeout_s", env="HEAD_TIMEOUT"),
    Option("store", _store, "where contacts and the request journal live: memory (this "
           "process) or redis://host:port/db, rediss://... (shared by every worker and replica)",
           "URL", MEMORY),
    Option("store-prefix", _store_prefix,
           "Redis keys start {NAME}:, so several mocks can share one Redis", "NAME",
           "contacts-mock"),
    Option("store-timeout", number(float, 0.1, 60, unit=" s"),
           "a request waits at most S seconds for the store, then gets 503", "S", "2",
           setting="store_timeout_s", env="STORE_TIMEOUT"),
    Option("workers", _COUNT,
           "worker processes; more than 1 needs a shared store (--store redis://...)", "N", "1"),
    Option("control-token", key, "every /__mock__/ request then needs Authorization: Token KEY",
           "KEY"),
    Option("log-format", help="log lines as text, for people, or as JSON, one object a line, "
           "for log collectors", default="text", choices=("text", "json")),
    Option("log-level", help="the least severe level logged; info includes one access line "
           "per request", default="info", choices=("debug", "info", "warning", "error")),
    Option("fault", _fault, "serve with one deliberate backend bug, to check that a contract "
           "suite catches it; see --list-faults", "NAME"),
    Option("record", output_file, "append every request of the API to FILE as a case (JSON Lines, "
           "keys replaced by their roles), to replay with contacts-contract --cases", "FILE"),
)  # fmt: skip


def build_parser() -> Parser:
    parser = Parser(
        OPTIONS,
        ENV_PREFIX,
        __version__,
        prog="contacts-mock",
        description="A stateful mock of the Contacts API, driven by its OpenAPI contract.",
    )
    parser.add_argument(
        "--list-faults", action="store_true", help="list the faults --fault accepts, and exit"
    )
    return parser


def parse_settings(argv: Sequence[str] | None = None) -> tuple[Settings, str]:
    """Settings from the command line and the environment, and the log level. An option
    beats its environment variable, which beats the default."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_faults:
        print(faults.listing())
        parser.exit(0)
    given = parser.values(args)
    log_level = given.pop("log_level")
    settings = Settings(**given)
    problem = workers_problem(settings)
    if problem:
        parser.error(problem)
    if settings.control_token is not None and settings.control_token in settings.tokens:
        # Whoever holds that API key could then read and reset everyone's data.
        parser.error("--control-token: it is also a key of --token: give the admin API its own")
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
        f"  Admin spec:  {base_url}{ADMIN_PREFIX}/openapi.yaml",
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
