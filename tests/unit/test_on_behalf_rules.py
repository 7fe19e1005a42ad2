"""Orders on a member's behalf, the rules: the app's request they become, and the codes the
receipt and the member card carry."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import msgspec
import pytest

from services.orders.checkout.domain import NamedSubstitute
from services.orders.members.domain import OnFile, card_hash, new_card_code
from services.orders.on_behalf.domain import (
    BehalfLine,
    BehalfRequest,
    check_request,
    new_tracking_code,
    order_request,
    read_tracking_code,
)
from services.orders.payments.domain import first_step, settle
from services.orders.webhooks.service import envelope_body
from shared.errors import InvalidInput
from shared.events import Address, Envelope, OrderPlaced

HOME = Address(lat=34.695, lng=135.2, text="1-1 Sannomiya-cho")
ELSEWHERE = Address(lat=34.69, lng=135.19, text="2-2 Motomachi")


def on_file(address: Address | None = HOME) -> OnFile:
    return OnFile(member_id="mem_1", name="Tanaka", address=address, substitution="same_brand")


def request(**kw) -> BehalfRequest:
    lines = [BehalfLine(sku="A", quantity=1), BehalfLine(sku="B", quantity=2, substitution="none")]
    return BehalfRequest(**{"member_id": "mem_1", "fulfilment": "delivery", "lines": lines, **kw})


def test_a_delivery_goes_to_the_members_registered_address_unless_another_is_given():
    assert order_request("s", request(), on_file()).address == HOME
    assert order_request("s", request(address=ELSEWHERE), on_file()).address == ELSEWHERE


def test_a_delivery_for_a_member_with_no_address_on_file_needs_one():
    with pytest.raises(InvalidInput) as refused:
        order_request("s", request(), on_file(address=None))
    assert refused.value.field == "address"


def test_a_pickup_takes_no_address_even_from_the_file():
    assert order_request("s", request(fulfilment="pickup"), on_file()).address is None


def test_lines_that_say_nothing_take_the_members_standing_preference():
    named = BehalfLine(sku="C", quantity=1, substitution=NamedSubstitute(sku="D"))
    lines = [*request().lines, named]
    made = order_request("s", request(lines=lines), on_file())
    assert [x.substitution for x in made.lines] == ["same_brand", "none", NamedSubstitute(sku="D")]


def test_the_member_is_named_one_way_only():
    check_request(request())
    for both_or_none in (request(member_code="OMOC-1234-5678-9ABC-DEFG"), request(member_id=None)):
        with pytest.raises(InvalidInput) as refused:
            check_request(both_or_none)
        assert refused.value.field == "member_id"


def test_only_a_delivery_is_paid_at_the_door():
    check_request(request(payment="on_delivery"))
    with pytest.raises(InvalidInput) as refused:
        check_request(request(fulfilment="pickup", payment="on_delivery"))
    assert refused.value.field == "payment"


def test_an_order_paid_at_the_door_settles_without_touching_a_card():
    assert first_step(at_door=True) == "stock"
    assert first_step(at_door=False) == "capture"
    plan = settle(1200, 0)  # nothing authorized: the rider takes it all
    assert (plan.capture, plan.second_charge, plan.release) == (0, 1200, 0)


def test_a_tracking_code_reads_back_however_it_is_typed():
    code = new_tracking_code()
    assert read_tracking_code(code) == code
    assert read_tracking_code(code.lower().replace("-", "")) == code
    assert read_tracking_code("0O1IL-AAAAA") == "00111-AAAAA"
    assert read_tracking_code("too-short") is None
    assert read_tracking_code("UUUUU-UUUUU") is None  # U is not in the alphabet


def test_a_card_code_is_stored_only_as_its_hash_and_read_however_it_is_typed():
    card = new_card_code()
    hashed = card_hash(card)
    assert hashed is not None and card.encode() not in hashed
    assert card_hash(card.lower().replace("-", "")) == hashed
    assert card_hash(new_card_code()) != hashed
    assert card_hash("OMOM1.mem_1.1.sig") is None  # the app's code is read elsewhere


def test_the_hand_over_code_never_leaves_in_a_webhook():
    placed = OrderPlaced(
        order_id="ord_1",
        store_id="s",
        member_id="mem_1",
        fulfilment="delivery",
        address=HOME,
        promise_at=datetime(2026, 12, 6, 9, 30, tzinfo=UTC),
        lines=[],
        handover_code="4821",
    )
    envelope = Envelope(
        id=uuid4(), seq=1, topic=placed.topic, key=placed.key, version=1,
        occurred_at=placed.promise_at, event=placed,
    )  # fmt: skip
    body = msgspec.json.decode(envelope_body(envelope))
    assert body["data"]["order_id"] == "ord_1" and "handover_code" not in body["data"]
    assert b"4821" not in envelope_body(envelope)
