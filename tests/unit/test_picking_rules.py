"""What a scan or a shortage means for a batch's lines, and the labels on the bags."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from services.fulfillment.batches.labels import bag_labels, free_slot
from services.fulfillment.batches.rules import (
    OverPick,
    PickLine,
    SubstituteItem,
    Where,
    WrongItem,
    WrongTote,
    check_short,
    place_scan,
)
from shared.barcodes import Scan, ean13
from shared.errors import Conflict, InvalidInput
from shared.money import Money

CABBAGE = ean13("490000010001")
POTATOES = ean13("490000010005")  # PLU 10005
MILK = ean13("490000010080")


def pick_line(
    n: int, ean: str, *, tote: int = 1, unit: str = "each", quantity: int = 2, picked: int = 0, **kw
) -> PickLine:
    return PickLine(
        line_id=f"t{tote}-{n}",
        task_id=f"t{tote}",
        seq=n,
        order_id=f"o{tote}",
        tote=tote,
        zone="produce",
        line_no=n,
        sku=f"SKU-{ean[7:12]}",
        ean=ean,
        name_en=f"item {ean[7:12]}",
        name_ja="",
        unit=unit,
        quantity=quantity,
        unit_price=Money(400, "JPY"),
        preference="any",
        bin=Where(aisle=1, bay=n, shelf=1),
        picked=picked,
        short=False,
        picked_by=None,
        substitute=None,
        **kw,
    )


def gtin(code: str) -> Scan:
    return Scan(kind="gtin", gtin=code)


def test_an_item_counts_for_the_line_of_its_tote():
    lines = [pick_line(1, CABBAGE), pick_line(1, CABBAGE, tote=2)]
    placed = place_scan(lines, tote=2, scan=gtin(CABBAGE))
    assert placed.line.tote == 2 and placed.amount == 1 and not placed.substitute


def test_a_wrong_item_names_the_next_item_of_the_tote():
    lines = [pick_line(1, CABBAGE, picked=2), pick_line(2, MILK)]
    with pytest.raises(WrongItem) as refused:
        place_scan(lines, tote=1, scan=gtin(ean13("490000010099")))
    assert refused.value.extra["expected"]["sku"] == "SKU-10080"
    assert "aisle 1, bay 2, shelf 1" in refused.value.detail


def test_one_too_many_and_the_wrong_tote_are_refused():
    lines = [pick_line(1, CABBAGE, picked=2), pick_line(2, MILK, tote=2)]
    with pytest.raises(OverPick):
        place_scan(lines, tote=1, scan=gtin(CABBAGE))
    with pytest.raises(WrongTote) as elsewhere:
        place_scan(lines, tote=1, scan=gtin(MILK))
    assert elsewhere.value.extra["tote"] == 2
    with pytest.raises(InvalidInput):
        place_scan(lines, tote=3, scan=gtin(MILK))


def test_weighed_lines_take_scale_labels_within_the_authorized_margin():
    lines = [pick_line(1, POTATOES, unit="kg", quantity=500)]
    weight = place_scan(lines, tote=1, scan=Scan(kind="weight", plu="10005", grams=560))
    assert weight.amount == 560
    price = place_scan(lines, tote=1, scan=Scan(kind="price", plu="10005", price=200))
    assert price.amount == 500  # 200 yen at 400 yen/kg
    with pytest.raises(OverPick):  # 580 g is more than 15 % over
        place_scan(lines, tote=1, scan=Scan(kind="weight", plu="10005", grams=580))
    with pytest.raises(InvalidInput):  # the pack's own barcode carries no weight
        place_scan(lines, tote=1, scan=gtin(POTATOES))
    almost = msgspec.structs.replace(lines[0], picked=460)
    assert almost.state == "done"  # within 10 % under


def test_line_states_follow_the_shortage_and_the_decision():
    sub = SubstituteItem(
        substitution_id="s1",
        sku="SKU-10002",
        ean=ean13("490000010002"),
        name_en="daikon",
        name_ja="",
        unit="each",
        quantity=1,
        unit_price=Money(158, "JPY"),
        bin=None,
        decide_by=datetime(2026, 11, 23, tzinfo=UTC),
        approved=None,
        picked=0,
        closed=False,
        why=[],
    )
    short = msgspec.structs.replace(pick_line(1, CABBAGE, picked=1), short=True)
    assert short.state == "short"
    waiting = msgspec.structs.replace(short, substitute=sub)
    assert waiting.state == "awaiting_decision"
    approved = msgspec.structs.replace(
        waiting, substitute=msgspec.structs.replace(sub, approved=True)
    )
    assert approved.state == "substitute"
    placed = place_scan([approved], tote=1, scan=gtin(sub.ean))
    assert placed.substitute and placed.amount == 1
    declined = msgspec.structs.replace(
        waiting, substitute=msgspec.structs.replace(sub, approved=False)
    )
    assert declined.state == "short"


def test_a_shortage_is_reported_with_what_was_scanned_while_the_line_wants_more():
    line = pick_line(1, CABBAGE, picked=1)
    assert check_short(line, 1).name == "item 10001"
    with pytest.raises(InvalidInput):
        check_short(line, 0)
    with pytest.raises(Conflict):
        check_short(msgspec.structs.replace(line, picked=2), 2)


def test_bags_are_numbered_within_their_zone_and_slots_reused():
    bags = bag_labels("ord_1", "chilled", 3)
    assert [(b.code, b.number, b.of) for b in bags] == [
        ("ord_1-chilled-1", 1, 3),
        ("ord_1-chilled-2", 2, 3),
        ("ord_1-chilled-3", 3, 3),
    ]
    assert free_slot({"P01", "P03"}) == "P02"
    assert free_slot({f"P{n:02d}" for n in range(1, 41)}) == "OVERFLOW"
