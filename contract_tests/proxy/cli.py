"""contacts-contract proxy: options and environment variables, the banner, serving."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from contract_tests import __version__
from contract_tests.config import _flag, _non_negative, _positive_int, _seconds, _url
from contract_tests.proxy.app import PREFIX, VIOLATIONS_HEADER, create_proxy
from contract_tests.proxy.settings import DEFAULT_PORT, ProxySettings
from mock_server.auth import KNOWN_ROLES
from mock_server.logs import log_config

PROG = "contacts-contract proxy"
ENV_PREFIX = "CONTACTS_PROXY_"
LOGGER = "contract_tests.proxy"
HEAD_TIMEOUT_S = 10.0


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, no usage dump: the message names the option.
        self.exit(2, f"{self.prog}: error: {message}\n")


def _checked(parse: Any) -> Any:
    """An argparse type from a parser that raises ValueError with a readable message."""

    def convert(value: str) -> Any:
        try:
            return parse(value)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


def _token(value: str) -> tuple[str, str]:
    key, sep, role = value.partition("=")
    if not sep or not key or any(c.isspace() for c in key) or role not in KNOWN_ROLES:
        raise ValueError(f"expected KEY=ROLE with ROLE one of {', '.join(KNOWN_ROLES)}")
    return key, role


def _port(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError(f"{value} is not a port number (0-65535)")
    return port


def _env(name: str) -> str | None:
    return os.environ.get(ENV_PREFIX + name) or None


def _env_flag(name: str) -> bool:
    try:
        return bool(_flag(_env(name) or ""))
    except ValueError as error:
        print(f"{PROG}: error: {ENV_PREFIX}{name}: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _env_list(name: str) -> list[str]:
    raw = _env(name)
    return [item.strip() for item in raw.split(",") if item.strip()] if raw else []


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="A validating proxy: forwards every request to the upstream unchanged and "
        "judges each exchange of the contract's operation by the contract suite's checks. "
        f"Every option can also be set with an environment variable {ENV_PREFIX}<NAME>.",
    )
    add = parser.add_argument
    add(
        "--upstream",
        type=_checked(_url),
        default=_env("UPSTREAM"),
        metavar="URL",
        help="the backend to forward to, e.g. https://staging.example.com [UPSTREAM]",
    )
    add("--host", default=_env("HOST") or "127.0.0.1", help="address to listen on [HOST]")
    add(
        "--port",
        type=_checked(_port),
        default=_env("PORT") or str(DEFAULT_PORT),
        help=f"port; 0 picks a free one (default {DEFAULT_PORT}) [PORT]",
    )
    add(
        "--token",
        dest="tokens",
        action="append",
        type=_checked(_token),
        metavar="KEY=ROLE",
        help="a key of the upstream and its role (staff, admin or user), so that the checks "
        "that need a role apply; repeatable; other keys are judged only by the rules that "
        "need none [TOKENS, comma-separated]",
    )
    add(
        "--strict",
        action="store_true",
        default=_env_flag("STRICT"),
        help="answer 502 with the violations instead of an answer that broke the contract [STRICT]",
    )
    add(
        "--record",
        type=Path,
        default=_env("RECORD"),
        metavar="FILE",
        help="append every exchange of the operation to FILE, one JSON line each, keys "
        "masked [RECORD]",
    )
    add(
        "--record-max-bytes",
        type=_checked(_positive_int),
        default=_env("RECORD_MAX_BYTES") or str(100 * 2**20),
        metavar="N",
        help="stop recording before FILE passes N bytes (default 100 MiB) [RECORD_MAX_BYTES]",
    )
    add(
        "--upstream-timeout",
        type=_checked(_seconds),
        default=_env("UPSTREAM_TIMEOUT") or "10",
        metavar="S",
        help="an upstream slower than S seconds gets the client a 504 (default 10) "
        "[UPSTREAM_TIMEOUT]",
    )
    add(
        "--clock-skew",
        type=_checked(_non_negative),
        default=_env("CLOCK_SKEW") or "300",
        metavar="S",
        help="seconds a timestamp may differ from this clock (default 300) [CLOCK_SKEW]",
    )
    add(
        "--cors-origin",
        dest="cors_origins",
        action="append",
        metavar="ORIGIN",
        help="an allowed browser origin; repeatable; default any [CORS_ORIGINS]",
    )
    add(
        "--insecure",
        action="store_true",
        default=_env_flag("INSECURE"),
        help="do not verify the upstream's TLS certificate [INSECURE]",
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
        help="violations are logged at warning; one access line per request at info [LOG_LEVEL]",
    )
    add("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def parse_settings(argv: Sequence[str] | None = None) -> tuple[ProxySettings, argparse.Namespace]:
    """Settings from the command line and the environment, and the parsed options."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.upstream is None:
        parser.error(f"--upstream (or {ENV_PREFIX}UPSTREAM) is required")
    tokens = args.tokens
    if tokens is None:
        try:
            tokens = [_token(item) for item in _env_list("TOKENS")]
        except ValueError as error:
            parser.error(f"{ENV_PREFIX}TOKENS: {error}")
    settings = ProxySettings(
        upstream=args.upstream,
        host=args.host,
        port=args.port,
        tokens=dict(tokens),
        strict=args.strict,
        record=args.record,
        record_max_bytes=args.record_max_bytes,
        upstream_timeout=args.upstream_timeout,
        clock_skew=args.clock_skew,
        cors_origins=tuple(args.cors_origins or _env_list("CORS_ORIGINS") or ["*"]),
        insecure=args.insecure,
    )
    return settings, args


def banner(settings: ProxySettings, base_url: str) -> str:
    roles = ", ".join(sorted(set(settings.tokens.values())))
    keys = f"{len(settings.tokens)} key(s) of role {roles}" if settings.tokens else "none given"
    strict = (
        "on: an answer that breaks the contract becomes a 502 with its violations"
        if settings.strict
        else f"off: an answer that breaks the contract gets {VIOLATIONS_HEADER}"
    )
    record = f"  Recording:   {settings.record}" if settings.record else None
    return "\n".join(
        line
        for line in (
            f"contacts-contract proxy {__version__} is checking live traffic against the contract",
            f"  Proxy:       {base_url} -> {settings.upstream}",
            f"  Violations:  {base_url}{PREFIX}/violations",
            f"  Report:      {base_url}{PREFIX}/report",
            f"  Tokens:      {keys}",
            f"  Strict:      {strict}",
            record,
            "  Press Ctrl-C to stop.",
        )
        if line is not None
    )


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    from mock_server.serve import ServeError, listen, settle_startup_objects, uvicorn_config

    settings, args = parse_settings(argv)
    try:
        proxy = create_proxy(settings)
    except OSError as error:
        raise SystemExit(
            f"{PROG}: error: cannot record to {error.filename}: {error.strerror}"
        ) from None
    try:
        sock = listen(settings.host, settings.port)
    except ServeError as error:
        raise SystemExit(f"{PROG}: error: {error}") from None
    host, port = sock.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    print(banner(settings, f"http://{shown_host}:{port}"), flush=True)
    logging = log_config(args.log_format, args.log_level)
    logging["loggers"][LOGGER] = logging["loggers"]["mock_server"]
    config = uvicorn_config(
        proxy,
        log_config=logging,
        log_level=args.log_level,
        head_timeout=HEAD_TIMEOUT_S,
        # The upstream's Date and Server pass through; the proxy adds none of its own.
        server_header=False,
        date_header=False,
    )
    settle_startup_objects()
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


if __name__ == "__main__":
    main(sys.argv[1:])
