"""Deliveries' pure rules: the bags a rider takes out, the proof at the door, the alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.delivery.deliveries.domain import (
    Proof,
    check_out,
    check_pickup,
    check_proof,
    is_late,
    new_handover_code,
    run_alert,
)
from shared.errors import Conflict, InvalidInput

ROUTE = {"B-1": "ord_a", "B-2": "ord_a", "B-3": "ord_b"}
NOW = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)


def test_a_pickup_takes_every_bag_of_the_route_in_any_order():
    check_pickup(ROUTE, ["B-3", "B-1", "B-2", "B-1"])


def test_a_foreign_bag_stays_in_the_store():
    with pytest.raises(InvalidInput) as refused:
        check_pickup(ROUTE, ["B-1", "B-2", "X-9", "B-3"])
    assert refused.value.field == "bags[2]" and "X-9" in refused.value.detail


def test_no_order_leaves_without_all_its_bags():
    with pytest.raises(InvalidInput) as refused:
        check_pickup(ROUTE, ["B-1"])
    assert refused.value.field == "bags"
    assert refused.value.extra == {"missing": ["B-2", "B-3"]}


def test_only_an_order_out_is_handed_over():
    check_out("ord_a", "out")
    for status in ("assigned", "delivered", "failed", "cancelled"):
        with pytest.raises(Conflict):
            check_out("ord_a", status)


def test_the_hand_over_code_or_a_photo_proves_the_delivery():
    assert check_proof("0427", code="0427", photo_ref=None) == Proof(kind="code")
    assert check_proof("0427", code=None, photo_ref="p/1.jpg") == Proof(
        kind="photo", photo_ref="p/1.jpg"
    )


@pytest.mark.parametrize(
    ("code", "photo"), [("0428", None), ("427", None), (None, None), ("0427", "p/1.jpg")]
)
def test_a_wrong_or_missing_proof_is_refused_without_revealing_the_code(code, photo):
    with pytest.raises(InvalidInput) as refused:
        check_proof("0427", code=code, photo_ref=photo)
    assert refused.value.field == "code" and "0427" not in refused.value.detail


def test_hand_over_codes_are_four_digits():
    codes = {new_handover_code() for _ in range(200)}
    assert all(len(c) == 4 and c.isdigit() for c in codes) and len(codes) > 100


def test_an_order_is_late_past_its_promise_or_planned_after_it():
    promise = NOW + timedelta(minutes=10)
    assert not is_late(NOW, promise, None)
    assert not is_late(NOW, promise, promise)
    assert is_late(NOW, promise, promise + timedelta(seconds=1))
    assert is_late(promise + timedelta(seconds=1), promise, None)


def test_the_store_is_alerted_to_late_or_unassigned_orders_only():
    assert run_alert(late_orders=0, lateness_s=0, unassigned=0) is None
    assert run_alert(late_orders=1, lateness_s=61, unassigned=0) == (
        "1 order will miss the promise (2 min late in total)"
    )
    assert run_alert(late_orders=0, lateness_s=0, unassigned=3) == "3 ready orders have no rider"
