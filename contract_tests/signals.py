"""Signals for the command lines: SIGTERM (what a CI job's timeout sends) stops a run as
Ctrl-C does, and nothing stops the writing of what a run found."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from contract_tests.engine import Interrupted

__all__ = ["ignoring_interrupts", "terminate_as_interrupt"]


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises Interrupted("SIGTERM"), a KeyboardInterrupt, so the run still reports."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise Interrupted("SIGTERM")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def ignoring_interrupts() -> Iterator[None]:
    """SIGINT and SIGTERM ignored: for writing the summary and the report files whole."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
