"""Which zones may share a bag, and how a zone's lines are bagged."""

from __future__ import annotations

import pytest

from services.fulfillment.batches.bagging import (
    DEFAULT_RULE,
    OpenBag,
    PackedBag,
    PackingRule,
    bags_needed,
    check_rule,
    fill,
    group_of,
    open_bags,
)
from shared.errors import InvalidInput
from shared.events import Bag


def packed(code: str, zone: str, lines: int | None, *more: str) -> PackedBag:
    bag = Bag(code=code, zone=zone, number=1, of=1)  # type: ignore[arg-type]
    return PackedBag(bag=bag, zones=[zone, *more], lines=lines)  # type: ignore[list-item]


def test_by_default_chilled_shares_with_frozen_and_ambient_with_produce():
    assert group_of(DEFAULT_RULE, "chilled") == {"chilled", "frozen"}
    assert group_of(DEFAULT_RULE, "produce") == {"ambient", "produce"}


def test_a_zone_in_no_group_bags_alone():
    assert group_of(PackingRule(groups=[["chilled", "frozen"]]), "ambient") == {"ambient"}


@pytest.mark.parametrize(
    ("groups", "field"),
    [
        ([["chilled", "produce"]], "groups[0]"),
        ([["ambient"], ["frozen", "ambient", "chilled"]], "groups[1][1]"),
        ([["chilled", "frozen"], ["frozen"]], "groups[1][0]"),
    ],
)
def test_a_rule_that_breaks_the_cold_chain_or_names_a_zone_twice_is_refused(groups, field):
    with pytest.raises(InvalidInput) as refused:
        check_rule(PackingRule(groups=groups))
    assert refused.value.field == field


def test_a_zone_may_share_an_earlier_bag_of_its_group_with_room():
    bags = [
        packed("c1", "chilled", 4),
        packed("c2", "chilled", 6),  # full
        packed("p1", "produce", 1),  # another group
        packed("old", "chilled", None),  # packed before lines were counted
    ]
    assert open_bags(DEFAULT_RULE, "frozen", bags) == [
        OpenBag(code="c1", zones=["chilled"], room=2)
    ]
    assert open_bags(DEFAULT_RULE, "chilled", bags) == []  # its own bags are not "earlier"


def test_lines_fill_the_shared_bag_first_then_spread_over_new_bags():
    shared = OpenBag(code="c1", zones=["chilled"], room=2)
    assert fill(1, 0, shared, "bags[0]").into == 1
    five = fill(5, 2, shared, "bags[0]")
    assert five.into == 2 and five.new == [2, 1]
    assert fill(7, 2, None, "bags[0]").new == [4, 3]


def test_goods_left_without_a_bag_are_refused():
    with pytest.raises(InvalidInput) as refused:
        fill(3, 0, OpenBag(code="c1", zones=["chilled"], room=2), "bags[0]")
    assert refused.value.field == "bags[0].count"


def test_an_order_of_four_zones_takes_two_bags_not_four_when_zones_share():
    lines = {"ambient": 3, "produce": 2, "chilled": 2, "frozen": 1}
    alone = sum(bags_needed(n, DEFAULT_RULE) for n in lines.values())
    shared = bags_needed(5, DEFAULT_RULE) + bags_needed(3, DEFAULT_RULE)
    assert (alone, shared) == (4, 2)
