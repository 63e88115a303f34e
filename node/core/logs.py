"""Logging set up in one place: plain text lines, or one JSON object a line with VIDENSNET_LOG_FORMAT=json."""

from __future__ import annotations

import faulthandler
import json
import logging
import signal
from datetime import UTC, datetime

from node.core.config import log_format

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object a record: time, level, logger, message and any structured `fields` the record carries."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                **getattr(record, "fields", {})}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    """Send the process's log records to stderr in the format VIDENSNET_LOG_FORMAT asks for."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format() == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def configure_diagnostics() -> None:
    """Log in the node's format; a crash in native code, or SIGUSR1, prints every thread's traceback to the log."""
    configure_logging()
    # A crash in native code (SQLite, orjson, cryptography) then leaves every thread's traceback in the log;
    # SIGUSR1 prints them on demand, for a node that seems stuck.
    faulthandler.enable()
    faulthandler.register(signal.SIGUSR1)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: already running" is expected
