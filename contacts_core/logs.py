"""Log output: plain text for people, one JSON object a line for log collectors."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, Literal

from contacts_core.clock import rfc3339
from contacts_core.tokens import hidden

LogFormat = Literal["text", "json"]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": rfc3339(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


class HideKeys(logging.Filter):
    """Replaces every key with asterisks in a record's message before it is written: a
    client may put a key where no key belongs (a query string the access log shows)."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        super().__init__()
        self.keys = tuple(key for key in keys if key)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden_message = hidden(message, self.keys)
        if hidden_message != message:
            record.msg, record.args = hidden_message, None
        return True


def log_config(
    log_format: LogFormat, level: str, logger: str, keys: Sequence[str] = ()
) -> dict[str, Any]:
    """A logging.config dictionary for uvicorn and the server's own `logger` (the mock's,
    the proxy's); `keys` never appear in what it writes."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "filters": {"hide_keys": {"()": HideKeys, "keys": list(keys)}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
                "filters": ["hide_keys"],
            }
        },
        "loggers": {
            name: {"handlers": ["default"], "level": level.upper(), "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", logger)
        }
        | {
            # Connexion announces every route it adds at INFO; only its problems matter here.
            "connexion": {"handlers": ["default"], "level": "WARNING", "propagate": False}
        },
    }
