"""contacts-mock: options and environment variables, the start-up banner, clear errors."""

from __future__ import annotations

import argparse
import importlib.util
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from mock_server import __version__, faults
from mock_server.app import ADMIN_PREFIX, MockApp, create_app
from mock_server.auth import KNOWN_ROLES
from mock_server.logs import log_config
from mock_server.seed import SeedError
from mock_server.settings import DEFAULT_TOKENS, MAX_HEAD_BYTES, Settings

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
    )
    return settings, args.log_level


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        message = f"cannot listen on {host}:{port}: {error.strerror}"
        raise SystemExit(f"contacts-mock: error: {message}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _mask(key: str) -> str:
    return key if key in DEFAULT_TOKENS else f"{key[:2]}…{key[-2:]}" if len(key) > 6 else "…"


def banner(mock: MockApp, base_url: str) -> str:
    tokens = ", ".join(f"{_mask(key)} ({role})" for key, role in mock.settings.tokens.items())
    fault = mock.settings.fault
    warning = [f"  FAULT:       {fault}: {faults.get(fault).description}"] if fault else []
    return "\n".join(
        [
            f"contacts-mock {__version__} is serving the Contacts API contract",
            *warning,
            f"  API:         {base_url}{mock.operation.path}",
            f"  Swagger UI:  {base_url}/api/ui/",
            f"  OpenAPI:     {base_url}/api/openapi.json",
            f"  Admin:       {base_url}{ADMIN_PREFIX}/contacts",
            f"  Tokens:      {tokens}",
            "  Send:        Authorization: Token <key>. Press Ctrl-C to stop.",
        ]
    )


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _http_protocol(settings: Settings) -> Any:
    """httptools (the fast parser) with a bounded request head; else uvicorn's h11."""
    if not _installed("httptools"):
        return "h11"
    from mock_server.protocol import bounded_protocol

    return bounded_protocol(settings.head_timeout_s)


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    settings, log_level = parse_settings(argv)
    try:
        mock = create_app(settings)
    except (SeedError, ValueError) as error:
        raise SystemExit(f"contacts-mock: error: {error}") from None
    sock = _bind(settings.host, settings.port)
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    print(banner(mock, f"http://{shown_host}:{port}"), flush=True)
    config = uvicorn.Config(
        mock,
        log_config=log_config(settings.log_format, log_level),
        log_level=log_level,
        # Access lines are logged at info: below that level, skip building them at all.
        access_log=log_level in ("debug", "info"),
        loop="uvloop" if _installed("uvloop") else "asyncio",
        http=_http_protocol(settings),
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main(sys.argv[1:])
