"""Bag labels and staging slots. Pure."""

from __future__ import annotations

from collections.abc import Collection

from shared.events import Bag, Zone

SLOTS = 40  # staging shelves for pickup orders; more orders than that share the overflow


def bag_labels(order_id: str, zone: Zone, count: int) -> list[Bag]:
    """One QR label per bag of a zone: its code names the order, the zone and bag n of m."""
    return [
        Bag(code=f"{order_id}-{zone}-{n}", zone=zone, number=n, of=count)
        for n in range(1, count + 1)
    ]


def label_text(order_id: str, bag: Bag) -> str:
    zones = "+".join(bag.zones or [bag.zone])  # a shared bag names every zone it holds
    return f"{order_id[-6:].upper()} · {zones} · bag {bag.number} of {bag.of}"


def free_slot(taken: Collection[str]) -> str:
    """The first free staging slot (P01, P02, ...), or the overflow shelf when all are taken."""
    for n in range(1, SLOTS + 1):
        slot = f"P{n:02d}"
        if slot not in taken:
            return slot
    return "OVERFLOW"
