"""Log output: plain text for people, one JSON object a line for log collectors."""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from contacts_core.clock import rfc3339

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


def log_config(log_format: LogFormat, level: str, logger: str) -> dict[str, Any]:
    """A logging.config dictionary for uvicorn and the server's own `logger` (the mock's,
    the proxy's)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter}
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
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
