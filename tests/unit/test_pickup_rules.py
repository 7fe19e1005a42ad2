"""Pickups' pure rules: the signed, versioned pickup code and when an order may be handed over."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.orders.members.domain import sign_member_code
from services.orders.pickups.domain import (
    PickupCode,
    PickupState,
    check_collectable,
    check_redeemable,
    read_pickup_code,
    sign_pickup_code,
)
from shared.errors import Conflict, InvalidInput, NotFound

SECRET = "s" * 40
CODE = PickupCode(
    store_id="kobe-sannomiya", order_id="ord_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c4", version=1
)
COLLECTED_AT = datetime(2025, 5, 1, 9, 5, tzinfo=UTC)


def state(status: str = "packed", version: int | None = 1, **overrides) -> PickupState:
    fields = {
        "status": status,
        "fulfilment": "pickup",
        "timezone": "Asia/Tokyo",
        "version": version,
        **overrides,
    }
    return PickupState(**fields)


def test_a_signed_code_reads_back_as_store_order_and_version():
    payload = sign_pickup_code(SECRET, CODE)
    prefix, store, order, version, sig = payload.split(".")
    assert (prefix, store, order, version) == ("OMOP1", CODE.store_id, CODE.order_id, "1")
    assert len(sig) == 22
    assert read_pickup_code(SECRET, payload) == CODE
    assert read_pickup_code(SECRET, f"  {payload}\n") == CODE  # scanners add whitespace


def test_each_version_has_its_own_signature():
    later = PickupCode(store_id=CODE.store_id, order_id=CODE.order_id, version=2)
    assert sign_pickup_code(SECRET, later) != sign_pickup_code(SECRET, CODE)
    assert read_pickup_code(SECRET, sign_pickup_code(SECRET, later)).version == 2


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.replace(".1.", ".2.", 1),  # a newer version
        lambda p: p.replace("kobe-sannomiya", "osaka-umeda", 1),  # another store
        lambda p: p.replace("ord_0190", "ord_0191", 1),  # another order
        lambda p: p[:-1] + ("A" if p[-1] != "A" else "B"),  # the signature
    ],
)
def test_a_tampered_code_is_refused(tamper):
    payload = sign_pickup_code(SECRET, CODE)
    with pytest.raises(InvalidInput) as refused:
        read_pickup_code(SECRET, tamper(payload))
    assert (refused.value.field, refused.value.detail) == ("payload", "not signed by us")


@pytest.mark.parametrize(
    "payload",
    ["", "hello", "OMOP1.kobe-sannomiya.ord_1.1", "OMOP1.kobe-sannomiya.ord_1.0.abc", "OMOM1.x"],
)
def test_what_is_not_a_pickup_code_is_refused(payload):
    with pytest.raises(InvalidInput) as refused:
        read_pickup_code(SECRET, payload)
    assert refused.value.detail == "not a pickup code"


def test_a_code_from_another_deployment_is_refused():
    with pytest.raises(InvalidInput):
        read_pickup_code("t" * 40, sign_pickup_code(SECRET, CODE))


def test_a_member_code_signature_never_signs_a_pickup_code():
    member_sig = sign_member_code(SECRET, "x", datetime(2025, 5, 1, tzinfo=UTC)).split(".")[-1]
    pickup_sig = sign_pickup_code(SECRET, CODE).split(".")[-1]
    assert member_sig != pickup_sig
    forged = f"OMOP1.{CODE.store_id}.{CODE.order_id}.1.{member_sig}"
    with pytest.raises(InvalidInput):
        read_pickup_code(SECRET, forged)


def test_what_cannot_be_put_in_a_code_is_not_signed():
    with pytest.raises(ValueError):
        sign_pickup_code(SECRET, PickupCode(store_id="kobe.x", order_id="ord_1", version=1))
    with pytest.raises(ValueError):
        sign_pickup_code(SECRET, PickupCode(store_id="kobe", order_id="ord.1", version=1))
    with pytest.raises(ValueError):
        sign_pickup_code(SECRET, PickupCode(store_id="kobe", order_id="ord_1", version=0))


@pytest.mark.parametrize("status", ["packed", "ready_for_pickup"])
def test_a_packed_pickup_order_is_collectable(status):
    check_collectable(state(status), field="order_id")


@pytest.mark.parametrize("status", ["awaiting_payment", "placed", "picking", "picked"])
def test_an_order_is_not_collectable_before_packing(status):
    with pytest.raises(Conflict) as refused:
        check_collectable(state(status), field="order_id")
    assert (refused.value.detail, refused.value.field) == ("not packed yet", "order_id")


@pytest.mark.parametrize("status", ["cancelled", "expired", "payment_failed"])
def test_a_dead_order_has_nothing_to_collect(status):
    with pytest.raises(Conflict) as refused:
        check_collectable(state(status), field="order_id")
    assert refused.value.detail == f"the order is {status}; there is nothing to collect"


def test_a_collected_order_says_when_in_the_stores_time():
    collected = state("collected", collected_at=COLLECTED_AT)
    with pytest.raises(Conflict) as refused:
        check_collectable(collected, field="payload")
    assert refused.value.detail == "already collected at 2025-05-01 18:05 JST"
    assert refused.value.extra == {"collected_at": "2025-05-01T09:05:00+00:00"}


def test_a_delivery_order_has_no_pickup_code():
    with pytest.raises(NotFound):
        check_collectable(state(fulfilment="delivery"), field="order_id")


def test_only_the_latest_version_is_redeemable():
    check_redeemable(CODE, state(version=1))
    with pytest.raises(Conflict) as refused:
        check_redeemable(CODE, state(version=2))
    assert refused.value.detail == "this code was transferred; ask for the new one"


def test_a_code_never_issued_is_refused():
    with pytest.raises(InvalidInput):
        check_redeemable(CODE, state(version=None))


def test_a_transferred_code_is_refused_as_transferred_even_after_collection():
    with pytest.raises(Conflict) as refused:
        check_redeemable(CODE, state("collected", version=2, collected_at=COLLECTED_AT))
    assert "transferred" in refused.value.detail


def test_the_latest_code_of_a_collected_order_is_refused_as_collected():
    with pytest.raises(Conflict) as refused:
        check_redeemable(CODE, state("collected", version=1, collected_at=COLLECTED_AT))
    assert refused.value.detail.startswith("already collected at ")
