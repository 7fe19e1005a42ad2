"""A delivery order at the door: where it may go next, and what a failed delivery gives back."""

from __future__ import annotations

import typing

import pytest

from services.orders.deliveries.domain import moves_on
from services.orders.payments.domain import failed_delivery_refund
from shared.events import DeliveryFailed

REASONS = typing.get_args(typing.get_type_hints(DeliveryFailed)["reason"])


@pytest.mark.parametrize("reason", REASONS)
def test_a_failed_delivery_is_refunded_in_full_whatever_the_reason(reason):
    assert failed_delivery_refund(reason, collected=595, refunded=0) == 595


def test_a_failed_delivery_gives_back_only_what_was_not_refunded_already():
    assert failed_delivery_refund("not_home", collected=595, refunded=199) == 396
    assert failed_delivery_refund("damaged", collected=595, refunded=595) == 0


def test_nothing_collected_means_nothing_to_give_back():
    assert failed_delivery_refund("refused", collected=0, refunded=0) == 0


def test_only_a_packed_delivery_order_goes_out():
    assert moves_on("delivery", "packed", "out_for_delivery")
    for status in ("placed", "picking", "cancelled", "out_for_delivery", "delivered"):
        assert not moves_on("delivery", status, "out_for_delivery")
    assert not moves_on("pickup", "packed", "out_for_delivery")


def test_a_delivery_counts_even_if_the_order_was_never_seen_going_out():
    assert moves_on("delivery", "out_for_delivery", "delivered")
    assert moves_on("delivery", "packed", "delivered")
    assert moves_on("delivery", "packed", "delivery_failed")


@pytest.mark.parametrize("status", ["cancelled", "delivered", "delivery_failed", "placed"])
def test_an_order_that_is_not_on_its_way_neither_arrives_nor_fails(status):
    assert not moves_on("delivery", status, "delivered")
    assert not moves_on("delivery", status, "delivery_failed")
