"""contacts-contract proxy: options and environment variables, the banner, serving."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from contacts_core.cases import MAX_FILE_BYTES
from contacts_core.logs import LogFormat, log_config
from contacts_core.options import (
    Option,
    Parser,
    key,
    key_role,
    key_table,
    number,
    origin,
    port,
    url,
)
from contacts_core.outputs import output_file
from contacts_core.serve import is_loopback
from contacts_core.spec import operation
from contract_tests import __version__
from contract_tests.proxy.app import PREFIX, VIOLATIONS_HEADER, create_proxy
from contract_tests.proxy.settings import DEFAULT_PORT, ProxySettings

PROG = "contacts-contract proxy"
ENV_PREFIX = "CONTACTS_PROXY_"
LOGGER = "contract_tests.proxy"
HEAD_TIMEOUT_S = 10.0


def _upstream(text: str) -> str:
    """The backend's base URL: its root (or a path prefix), which the request paths are
    added to, so never one that already ends in the operation's path."""
    base = url(text)
    root = operation().root_of(base)
    if root is not None:
        path = operation().heading_path
        raise ValueError(f"{base} already ends in {path}: give the server's root, {root}")
    return base


OPTIONS = (
    Option("upstream", _upstream, "the backend's root, to forward to, e.g. "
           "https://staging.example.com", "URL"),
    Option("host", help="address to listen on", default="127.0.0.1"),
    Option("port", port, "port; 0 picks a free one", default=str(DEFAULT_PORT)),
    Option("token", key_role, "a key of the upstream and its role (staff, admin or user), so "
           "that the checks that need a role apply; other keys are judged only by the rules "
           "that need none", "KEY=ROLE", separator=",", collect=key_table, setting="tokens"),
    Option("strict", help="answer 502 with the violations instead of an answer that broke the "
           "contract", flag=True),
    Option("record", output_file, "append every exchange of the operation to FILE, one JSON line each, "
           "keys masked", "FILE"),
    Option("record-max-bytes", number(int, 1, MAX_FILE_BYTES), "stop recording before FILE "
           "passes N bytes (the default is also the most: what the suite reads back of a case "
           "file)", "N", str(MAX_FILE_BYTES)),
    Option("upstream-timeout", number(float, 0, 3600, above=True), "an upstream slower than S "
           "seconds gets the client a 504", "S", "10"),
    Option("clock-skew", number(float, 0, 86400),
           "seconds a timestamp may differ from this clock", "S", "300"),
    Option("cors-origin", origin, "an allowed browser origin, scheme://host[:port]; default "
           "any", "ORIGIN", "*", separator=",", setting="cors_origins"),
    Option("insecure", help="do not verify the upstream's TLS certificate", flag=True),
    Option("control-token", key, f"every {PREFIX}/ request then needs Authorization: Token KEY "
           "(a browser asks for it as a password); they show what frontends sent", "KEY"),
    Option("log-format", default="text", choices=("text", "json")),
    Option("log-level", help="violations are logged at warning; one access line per request at "
           "info", default="info", choices=("debug", "info", "warning", "error")),
)  # fmt: skip


def build_parser() -> Parser:
    return Parser(
        OPTIONS,
        ENV_PREFIX,
        __version__,
        prog=PROG,
        description="A validating proxy: forwards every request to the upstream unchanged and "
        "judges each exchange of the contract's operation by the contract suite's checks.",
    )


def parse_settings(argv: Sequence[str] | None = None) -> tuple[ProxySettings, LogFormat, str]:
    """Settings from the command line and the environment, the log format and level."""
    parser = build_parser()
    values = parser.values(parser.parse_args(argv))
    if values["upstream"] is None:
        parser.error(f"--upstream (or {ENV_PREFIX}UPSTREAM) is required")
    log_format, log_level = values.pop("log_format"), values.pop("log_level")
    settings = ProxySettings(**values)
    return settings, log_format, log_level


def banner(settings: ProxySettings, base_url: str) -> str:
    roles = ", ".join(sorted(set(settings.tokens.values())))
    keys = f"{len(settings.tokens)} key(s) of role {roles}" if settings.tokens else "none given"
    strict = (
        "on: an answer that breaks the contract becomes a 502 with its violations"
        if settings.strict
        else f"off: an answer that breaks the contract gets {VIOLATIONS_HEADER}"
    )
    record = f"  Recording:   {settings.record}" if settings.record else None
    guarded = " (Authorization: Token <control token>)" if settings.control_token else ""
    # The proxy's own pages show what frontends sent: names, e-mail addresses, phones.
    open_to_all = (
        f"  WARNING:     no --control-token: anyone who can reach {settings.host} can read "
        f"what frontends sent (names, e-mail addresses, phone numbers) at {PREFIX}/"
        if not settings.control_token and not is_loopback(settings.host)
        else None
    )
    return "\n".join(
        line
        for line in (
            f"contacts-contract proxy {__version__} is checking live traffic against the contract",
            f"  Proxy:       {base_url} -> {settings.upstream}",
            f"  Violations:  {base_url}{PREFIX}/violations{guarded}",
            f"  Report:      {base_url}{PREFIX}/report{guarded}",
            f"  Tokens:      {keys}",
            f"  Strict:      {strict}",
            record,
            open_to_all,
            "  Press Ctrl-C to stop.",
        )
        if line is not None
    )


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    from contacts_core.serve import (
        ServeError,
        base_url,
        listen,
        settle_startup_objects,
        uvicorn_config,
    )

    settings, log_format, log_level = parse_settings(argv)
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
    print(banner(settings, base_url(sock)), flush=True)
    config = uvicorn_config(
        proxy,
        log_config=log_config(
            log_format,
            log_level,
            LOGGER,
            [*settings.tokens, *filter(None, [settings.control_token])],
        ),
        log_level=log_level,
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
