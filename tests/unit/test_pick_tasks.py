"""A paid order becomes one pick task per zone, lines in walking order, due before the ride."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.fulfillment.domain import Bin
from services.fulfillment.tasks import plan_tasks
from shared.events import Address, OrderPlaced, PlacedLine
from shared.money import Money

PROMISE = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)


def line(n: int, sku: str, zone: str) -> PlacedLine:
    return PlacedLine(
        line_no=n,
        sku=sku,
        name_en=sku,
        name_ja=sku,
        zone=zone,
        unit="each",
        quantity=1,
        unit_price=Money(100, "JPY"),
        substitution="none",
    )


def order(*lines: PlacedLine, fulfilment: str = "delivery") -> OrderPlaced:
    address = Address(lat=34.69, lng=135.19, text="Kobe") if fulfilment == "delivery" else None
    return OrderPlaced(
        order_id="ord_1",
        store_id="kobe",
        member_id="m",
        fulfilment=fulfilment,
        address=address,
        promise_at=PROMISE,
        lines=list(lines),
    )


def spot(sku: str, zone: str, aisle: int, bay: int, shelf: int = 1) -> Bin:
    return Bin(sku=sku, zone=zone, aisle=aisle, bay=bay, shelf=shelf)


def test_one_task_per_zone_with_lines_in_walking_order_and_unknown_bins_last():
    bins = {
        "milk": spot("milk", "chilled", 3, 4),
        "tofu": spot("tofu", "chilled", 3, 1),
        "rice": spot("rice", "ambient", 8, 2),
    }
    tasks = plan_tasks(
        order(
            line(1, "milk", "chilled"),
            line(2, "rice", "ambient"),
            line(3, "mystery", "chilled"),
            line(4, "tofu", "chilled"),
        ),
        bins,
    )
    assert [t.zone for t in tasks] == ["chilled", "ambient"]
    assert [x.sku for x in tasks[0].lines] == ["tofu", "milk", "mystery"]
    assert tasks[0].lines[2].bin is None


def test_delivery_tasks_are_due_before_the_ride_and_pickup_tasks_by_the_promise():
    [delivery] = plan_tasks(order(line(1, "a", "ambient")), {})
    [pickup] = plan_tasks(order(line(1, "a", "ambient"), fulfilment="pickup"), {})
    assert delivery.deadline == PROMISE - timedelta(minutes=17)
    assert pickup.deadline == PROMISE
