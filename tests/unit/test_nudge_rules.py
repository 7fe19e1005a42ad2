"""The loop back's rules: which reason a visit earns, when none goes out, what an order earns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.orders.nudges.rules import (
    MAX_ITEMS,
    QUIET,
    WINDOW,
    Member,
    Nudge,
    Product,
    decide,
    earns,
    rate,
    withhold,
)

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def shelf(*skus: str, empty: tuple[str, ...] = ()) -> dict[str, Product]:
    return {
        s: Product(sku=s, name_en=f"Item {s}", name_ja=f"品{s}", available=0 if s in empty else 5)
        for s in (*skus, *empty)
    }


def member(**kw) -> Member:
    return Member(**{"channel": "push", "ordered_online": False, "last_nudged_at": None, **kw})


def test_what_was_carried_home_can_come_to_the_door_next_time():
    nudge = decide(member(), ["A", "B"], shelf("A", "B"), NOW)
    assert isinstance(nudge, Nudge)
    assert (nudge.kind, nudge.channel, nudge.skus) == ("deliver_next_time", "push", ["A", "B"])
    assert "Item A, Item B" in nudge.message and "品A、品B" in nudge.message


def test_an_often_bought_item_back_in_stock_is_the_strongest_reason():
    nudge = decide(member(often_short=["C"], liked=["D"]), ["A"], shelf("A", "C", "D"), NOW)
    assert isinstance(nudge, Nudge) and (nudge.kind, nudge.skus) == ("back_in_stock", ["C"])


def test_an_often_bought_item_still_missing_gives_way_to_a_liked_substitute():
    nudge = decide(
        member(often_short=["C"], liked=["D"]), ["A"], shelf("A", "D", empty=("C",)), NOW
    )
    assert isinstance(nudge, Nudge) and (nudge.kind, nudge.skus) == ("liked_substitute", ["D"])


def test_a_liked_substitute_carried_home_today_is_not_suggested_again():
    nudge = decide(member(liked=["A"]), ["A"], shelf("A"), NOW)
    assert isinstance(nudge, Nudge) and nudge.kind == "deliver_next_time"


def test_only_what_the_store_can_sell_online_now_is_named_and_a_few_at_most():
    skus = [f"S{i}" for i in range(6)]
    nudge = decide(member(), ["X", *skus, "S0"], shelf(*skus, empty=("X",)), NOW)
    assert isinstance(nudge, Nudge) and nudge.skus == skus[:MAX_ITEMS]


def test_nothing_on_the_shelf_is_nothing_to_say():
    assert decide(member(), ["A"], shelf(empty=("A",)), NOW) == "nothing_to_say"
    assert decide(member(), ["unknown"], shelf(), NOW) == "nothing_to_say"


def test_no_nudge_without_consent():
    assert decide(member(channel=None), ["A"], shelf("A"), NOW) == "no_consent"


def test_no_nudge_to_a_member_who_ordered_online():
    assert decide(member(ordered_online=True), ["A"], shelf("A"), NOW) == "ordered"


def test_one_nudge_in_a_quiet_spell():
    recent = member(last_nudged_at=NOW - QUIET + timedelta(minutes=1))
    assert decide(recent, ["A"], shelf("A"), NOW) == "recently_nudged"
    assert isinstance(decide(member(last_nudged_at=NOW - QUIET), ["A"], shelf("A"), NOW), Nudge)


def test_a_nudge_is_withheld_at_sending_from_a_member_who_opted_out_or_ordered_since():
    assert withhold(None, False) == "opted_out"
    assert withhold("sms", True) == "ordered"
    assert withhold("push", False) is None


def test_an_order_counts_for_a_nudge_sent_before_it_within_the_window():
    sent = NOW
    assert earns(sent, sent + WINDOW, WINDOW)
    assert not earns(sent, sent + WINDOW + timedelta(seconds=1), WINDOW)
    assert not earns(sent, sent - timedelta(seconds=1), WINDOW)
    assert not earns(None, sent, WINDOW)


def test_a_rate_of_nothing_is_none():
    assert rate(1, 3) == 0.333 and rate(0, 0) is None
