"""One way to serve, for the mock and the validating proxy alike: a listening socket,
uvicorn with the request head bounded in size (431) and time (408), graceful shutdown."""

from __future__ import annotations

import gc
import importlib.util
import ipaddress
import socket
from typing import Any

import uvicorn

# The most a request line and headers may take (bytes); beyond it the server answers 431.
MAX_HEAD_BYTES = 64 * 1024


class ServeError(Exception):
    """A server cannot start; the message says why, in one line."""


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port (0 picks a free port), inheritable by workers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(sock: socket.socket) -> str:
    """The http:// URL a listening socket serves."""
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def settle_startup_objects() -> None:
    """Hide what start-up built (modules, the spec, the app: it lives as long as the
    process) from the garbage collector. Its full passes otherwise walk all of it and
    stall every request for tens of milliseconds; now they walk what requests leave."""
    gc.collect()
    gc.freeze()


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def uvicorn_config(
    app: Any,
    *,
    log_config: dict[str, Any],
    log_level: str,
    head_timeout: float,
    workers: int = 1,
    **options: Any,
) -> uvicorn.Config:
    """uvicorn's configuration for one of the toolkit's servers (the mock, the proxy):
    uvloop, a request head bounded in size (431) and time (408), and graceful shutdown."""
    common: dict[str, Any] = {
        "log_config": log_config,
        "log_level": log_level,
        # Access lines are logged at info: below that level, skip building them at all.
        "access_log": log_level in ("debug", "info"),
        "loop": "uvloop" if _installed("uvloop") else "asyncio",
        "lifespan": "on",
        "timeout_graceful_shutdown": 5,
        "workers": workers,
        **options,
    }
    if not _installed("httptools"):
        # uvicorn's h11 bounds the head's size itself (no head timeout).
        return uvicorn.Config(
            app, http="h11", h11_max_incomplete_event_size=MAX_HEAD_BYTES, **common
        )
    from contacts_core.protocol import HeadLimitsConfig

    config: uvicorn.Config = HeadLimitsConfig(
        app, head_timeout=head_timeout, max_head_bytes=MAX_HEAD_BYTES, **common
    )
    return config
