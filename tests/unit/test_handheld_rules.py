"""The handheld's pure rules: the store's language, what the home screen calls urgent, and the
bag label's QR code."""

from __future__ import annotations

import re
import urllib.parse
from datetime import UTC, datetime, timedelta

import numpy as np
import zxingcpp

from services.fulfillment.handheld.domain import urgent_tasks
from services.fulfillment.handheld.labels import print_label
from services.fulfillment.queue import TaskSummary
from shared.events import Bag
from shared.languages import store_language

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def task(order_id: str, due_in: timedelta, *, lines_left: int = 1, status="queued") -> TaskSummary:
    return TaskSummary(
        task_id=f"tsk_{order_id}",
        order_id=order_id,
        zone="produce",
        fulfilment="delivery",
        status=status,
        deadline=NOW + due_in,
        batch_id=None if status == "queued" else "bat_1",
        tote=None,
        picker_id=None if status == "queued" else "picker-2",
        picker_name=None if status == "queued" else "Ren Suzuki",
        lines=lines_left,
        lines_left=lines_left,
        created_at=NOW - timedelta(minutes=1),
        claimed_at=None,
        first_scan_at=None,
        picked_at=None,
        packed_at=None,
        collected_at=None,
    )


def test_a_store_in_japan_speaks_japanese_and_any_other_english():
    assert store_language("Asia/Tokyo") == "ja"
    assert store_language("Europe/London") == "en"


def test_a_task_due_soon_or_expected_late_is_urgent_due_first():
    tasks = [
        task("calm", timedelta(minutes=20)),
        task("big", timedelta(minutes=8), lines_left=30),  # 30 lines take 10 minutes and more
        task("soon", timedelta(minutes=4)),
        task("late", timedelta(minutes=-2), status="claimed"),
    ]
    urgent = urgent_tasks(tasks, NOW)
    assert [u.order_id for u in urgent] == ["late", "soon", "big"]
    late, soon, big = urgent
    assert late.late and late.picker_id == "picker-2"
    assert not soon.late and not soon.at_risk and soon.picker_id is None
    assert big.at_risk and not big.late


def drawn(data_uri: str) -> np.ndarray:
    """The QR code's SVG as pixels, 4 to a module: segno draws each row's dark runs as
    horizontal strokes (`M`/`m` move, `h` draws), one module high, centred on the row."""
    svg = urllib.parse.unquote(data_uri.split(",", 1)[1])
    width, height = (int(re.search(rf"{a}='(\d+)'", svg).group(1)) for a in ("width", "height"))
    image = np.full((height, width), 255, np.uint8)
    x = y = 0.0
    path = re.search(r" d='([^']+)'", svg).group(1)
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            image[int(y), int(x) : int(x + float(a))] = 0
            x += float(a)
    return np.kron(image, np.ones((4, 4), np.uint8))


def test_a_bag_label_carries_its_code_as_a_qr_code_a_scanner_reads():
    code = "ord_0192f3a4b5c6d7e8f9a0b1c2d3e4f5a6-produce-2"
    bag = Bag(code=code, zone="produce", number=2, of=3, zones=["produce", "ambient"])
    label = print_label("ord_0192f3a4b5c6d7e8f9a0b1c2d3e4f5a6", bag)
    assert (label.code, label.number, label.of) == (code, 2, 3)
    assert label.zones == ["produce", "ambient"]
    assert [r.text for r in zxingcpp.read_barcodes(drawn(label.qr))] == [code]
