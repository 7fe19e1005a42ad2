"""The fast mode's pickers propose a substitute for a short line only where orders would offer
one (a product of the same kind, within the line's preference), as the services do; proposing
for every short line a preference allows made four times the full run's substitutes."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
import pytest

from infra.simulate.fast.catalog import Offers, catalog, stocked
from infra.simulate.fast.clock import Clock
from infra.simulate.fast.picking import Floor, store_bays
from infra.simulate.scenario import Scenario

# Every line found short at its first piece, and every proposal approved.
SHORT = Scenario(short_share=1.0, approve_share=1.0)
CHERRY_TOMATOES, MEIJI_MILK, FRESH_MILK = "SKU-10012", "SKU-10049", "SKU-10051"
DUE = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def substitutes(lines: list[dict], sc: Scenario = SHORT) -> tuple[dict[str, int], float]:
    """One picker picks one order of `lines`: the substitutes proposed and approved, and the
    second the order is packed."""
    clock, items = Clock(), {p["sku"]: p for p in catalog(sc)}
    packed: list[float] = []
    floor = Floor(
        sc=sc,
        at=clock.at,
        packed=lambda _order, _zone, at, _lines: packed.append(at),
        claimed=lambda _order, _at: None,
        bays=store_bays(list(items.values())),
        offers=Offers([p for p, _ in stocked(sc)]),
    )
    where = [{**x, "zone": items[x["sku"]]["zone"], "bin": items[x["sku"]]["bin"]} for x in lines]
    floor.add("ord_1", DUE, where)
    floor.start("picker-1", sc.seed)
    clock.run_until(lambda: not floor.queue and not floor.in_hand)
    return floor.substitutes, max(packed)


@pytest.mark.parametrize(
    ("sku", "preference", "proposed"),
    [
        (MEIJI_MILK, "any", 1),  # Morinaga's 1 L milk
        (MEIJI_MILK, "same_brand", 0),  # Meiji sells no other milk
        (MEIJI_MILK, "none", 0),
        (CHERRY_TOMATOES, "any", 0),  # no other tomato by the piece, and onions are no tomato
        (CHERRY_TOMATOES, f"sku:{FRESH_MILK}", 1),  # what the shopper named, whatever it is
    ],
)
def test_a_short_line_gets_a_substitute_only_where_orders_offers_one(sku, preference, proposed):
    subs, _ = substitutes([{"sku": sku, "quantity": 1, "substitution": preference}])
    assert subs == {"proposed": proposed, "approved": proposed}


def test_an_offer_needs_the_short_quantity_on_the_shelf():
    """The other 1 L milks are offered for one piece, not for more than their stock."""
    offers = Offers(
        [
            msgspec.structs.replace(p, on_hand=2) if p.category == "dairy" else p
            for p, _ in stocked(SHORT)
        ]
    )
    assert offers.first(MEIJI_MILK, 2, "any") is not None
    assert offers.first(MEIJI_MILK, 3, "any") is None


def test_an_approved_substitute_is_picked_piece_by_piece():
    """Three milks short at the first: the picker scans three of the substitute, not one (at a
    pace slow enough that the shopper's answer is in before the substitute is picked)."""
    slow = SHORT.with_(seconds_per_item=100.0)
    one, at_one = substitutes([{"sku": MEIJI_MILK, "quantity": 1, "substitution": "any"}], slow)
    three, at_three = substitutes([{"sku": MEIJI_MILK, "quantity": 3, "substitution": "any"}], slow)
    assert one == three == {"proposed": 1, "approved": 1}
    assert at_three - at_one == pytest.approx(2 * slow.seconds_per_item)
