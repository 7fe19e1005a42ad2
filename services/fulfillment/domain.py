"""Fulfillment's pure rules: no I/O, no framework."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal, Protocol

import msgspec

from shared.limits import INT_MAX

Zone = Literal["ambient", "chilled", "frozen", "produce"]
TaskStatus = Literal["queued", "claimed", "picked", "packed", "cancelled"]
BatchStatus = Literal["active", "done", "lapsed"]
Position = Annotated[int, msgspec.Meta(gt=0, le=INT_MAX)]


class Bin(msgspec.Struct, frozen=True, kw_only=True):
    """Where a product sits on the shop floor."""

    sku: str
    zone: Zone
    aisle: Position
    bay: Position
    shelf: Position


class LayoutEdit(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Products placed or moved on the floor, each with its bin; those not named stay put. An
    object, as every body of the API is, so that a field can be added without breaking a
    client."""

    bins: list[Bin]


class Picker(msgspec.Struct, frozen=True):
    """A picker the store has registered."""

    picker_id: str
    name: str


def walk_order(bins: Iterable[Bin]) -> list[Bin]:
    """Bins in the order a picker meets them: aisle by aisle, snaking so no aisle is walked twice.

    Odd aisles are walked front to back (bay 1 upward), even aisles back to front, as a picker
    leaves an aisle at the end they reached; shelves top to bottom within a bay.
    """
    return sorted(bins, key=walk_key)


class Spot(Protocol):
    @property
    def aisle(self) -> int: ...
    @property
    def bay(self) -> int: ...
    @property
    def shelf(self) -> int: ...


def walk_key(spot: Spot) -> tuple[int, int, int]:
    """Where a bin comes in the walk (see walk_order)."""
    return (spot.aisle, spot.bay if spot.aisle % 2 else -spot.bay, spot.shelf)
