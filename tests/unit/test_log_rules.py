"""How log lines look: JSON for collectors, text for people, every line with its request."""

from __future__ import annotations

import io
import json
import logging
import sys
import uuid

import pytest

from shared.logs import CHATTY, JsonFormatter, Stamp, TextFormatter, configure_logging, wants_json
from shared.tracing import request_id, sane_request_id


def record(message: str = "order %s placed", *args: object) -> logging.LogRecord:
    return logging.LogRecord(
        "omo.orders", logging.INFO, __file__, 1, message, args or ("o-1",), None
    )


def stamped(rec: logging.LogRecord, service: str = "orders") -> logging.LogRecord:
    Stamp(service).filter(rec)
    return rec


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_line_has_utc_time_level_service_request_logger_and_message():
    with request_id("req-1"):
        rec = stamped(record())
    line = json.loads(JsonFormatter().format(rec))
    assert {k: v for k, v in line.items() if k != "time"} == {
        "level": "INFO",
        "service": "orders",
        "request_id": "req-1",
        "logger": "omo.orders",
        "message": "order o-1 placed",
    }
    assert line["time"].endswith("+00:00") and "T" in line["time"]


def test_json_line_carries_the_traceback_and_survives_odd_text():
    try:
        raise ValueError('a "quoted"\nmessage')
    except ValueError:
        rec = stamped(
            logging.LogRecord(
                "omo.http", logging.ERROR, __file__, 1, "boom: %s", ("ü\n",), sys.exc_info()
            )
        )
    line = json.loads(JsonFormatter().format(rec))
    assert line["message"] == "boom: ü\n"
    assert "ValueError" in line["exception"]


def test_a_line_outside_any_request_says_so():
    assert stamped(record()).request_id == "-"


def test_text_line_names_service_and_request():
    with request_id("req-2"):
        text = TextFormatter().format(stamped(record()))
    assert " INFO orders omo.orders [req-2] order o-1 placed" in text


def test_json_off_a_terminal_text_on_one_unless_forced():
    assert wants_json("auto", io.StringIO())
    assert not wants_json("auto", Terminal())
    assert wants_json("json", Terminal())
    assert not wants_json("text", io.StringIO())


def test_configured_process_writes_json_lines_and_quiets_chatty_clients():
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in CHATTY})
    out = io.StringIO()
    try:
        configure_logging("delivery", level="info", fmt="auto", stream=out)
        logging.getLogger("stripe").info("message='Request to Stripe api'")
        logging.getLogger("omo.bus").info("parked nothing")
        assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(x["service"], x["logger"], x["message"]) for x in lines] == [
        ("delivery", "omo.bus", "parked nothing")
    ]


@pytest.mark.parametrize("offered", ["abc-123", "shop.app:42/7", "A" * 128])
def test_a_sane_client_request_id_is_kept(offered):
    assert sane_request_id(offered) == offered


@pytest.mark.parametrize("offered", [None, "", "A" * 129, "has space", "new\nline", "_x"])
def test_anything_else_gets_a_fresh_uuid(offered):
    assert uuid.UUID(sane_request_id(offered))
