"""How a process logs: one line per record, with its time, level, service and request id.

JSON (one object a line) for a log collector when stderr is not a terminal, plain text for a
person at one; `OMO_LOG_FORMAT=json|text` forces either. Every record passes a filter that stamps
it with the service and the current request id, whichever library emitted it.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO

from shared.tracing import current_request_id

LogFormat = Literal["auto", "json", "text"]
# Each Stripe call logs three INFO lines and each httpx request one: most of a busy log, and
# nothing an operator acts on. Their warnings still show.
CHATTY = ("stripe", "httpx", "httpcore")
TEXT = "%(asctime)s %(levelname)s %(service)s %(name)s [%(request_id)s] %(message)s"


class Stamp(logging.Filter):
    """Adds `service` and `request_id` ("-" outside a request) to every record it sees."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id() or "-"
        return True


def _utc_iso(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO-8601), level, service, request_id, logger,
    message, and the traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _utc_iso(record),
            "level": record.levelname,
            "service": getattr(record, "service", None),
            "request_id": getattr(record, "request_id", None),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The same fields as one readable line, the time in UTC like the JSON's."""

    def __init__(self) -> None:
        super().__init__(TEXT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc_iso(record)


def wants_json(fmt: LogFormat, stream: TextIO) -> bool:
    if fmt != "auto":
        return fmt == "json"
    isatty = getattr(stream, "isatty", None)
    return not (isatty and isatty())


def configure_logging(
    service: str, *, level: str = "info", fmt: LogFormat = "auto", stream: TextIO | None = None
) -> logging.Handler:
    """Send every record of the process to `stream` (stderr) in the chosen format; returns the
    handler. Replaces what was configured before, so calling it twice does not double lines."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.addFilter(Stamp(service))
    handler.setFormatter(JsonFormatter() if wants_json(fmt, stream) else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
