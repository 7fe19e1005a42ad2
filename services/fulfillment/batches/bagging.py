"""Which zones of an order may share a bag, and how many lines a bag holds. Pure.

A store bags as its packers do: the cold chain first, so chilled and frozen goods go into an
insulated bag and never with ambient goods or produce (warm goods warm the cold ones, and a
leaking pack of meat must not touch the vegetables); ambient and produce may share a plain bag.
A zone of an order is packed by its own batch, so sharing happens when a later zone is packed:
its goods go into a bag an earlier zone of the same group opened, while it has room, and only
what does not fit takes new bags. A bag holds `lines_per_bag` order lines (about ten items in a
20-litre carrier bag, README); lines are what the handheld counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Annotated, get_args

import msgspec

from services.fulfillment.batches.rules import PickLine
from shared.errors import InvalidInput
from shared.events import Bag, Zone

COLD: frozenset[str] = frozenset({"chilled", "frozen"})
ZONES: tuple[str, ...] = get_args(Zone)
MAX_BAGS_PER_ZONE = 20


class PackingRule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A store's rule: `groups` of zones that may share a bag (a zone in no group bags alone)
    and the lines a bag holds."""

    groups: list[list[Zone]] = msgspec.field(
        default_factory=lambda: [["chilled", "frozen"], ["ambient", "produce"]]
    )
    lines_per_bag: Annotated[int, msgspec.Meta(ge=1, le=40)] = 6


DEFAULT_RULE = PackingRule()


def check_rule(rule: PackingRule) -> PackingRule:
    """Refuse a rule that breaks the cold chain, or names a zone twice."""
    seen: set[str] = set()
    for i, group in enumerate(rule.groups):
        for j, zone in enumerate(group):
            if zone in seen:
                raise InvalidInput(f"{zone} is in more than one group", field=f"groups[{i}][{j}]")
            seen.add(zone)
        cold, warm = COLD & set(group), set(group) - COLD
        if cold and warm:
            raise InvalidInput(
                f"{' and '.join(sorted(cold))} goods travel in an insulated bag and may not "
                f"share it with {' and '.join(sorted(warm))}: keep the cold chain",
                field=f"groups[{i}]",
            )
    return rule


def group_of(rule: PackingRule, zone: str) -> frozenset[str]:
    """The zones that may share a bag with `zone` (itself included)."""
    return next((frozenset(g) for g in rule.groups if zone in g), frozenset({zone}))


class OpenBag(msgspec.Struct, frozen=True, kw_only=True):
    """A bag of the order, packed by an earlier zone, that this zone's goods may go into."""

    code: str
    zones: list[Zone]
    room: int  # lines it still takes


class PackedBag(msgspec.Struct, frozen=True, kw_only=True):
    """A bag as fulfillment keeps it: the label, every zone it holds, the lines in it (None:
    packed before lines were counted, so taken as full)."""

    bag: Bag
    zones: list[Zone]
    lines: int | None


def open_bags(rule: PackingRule, zone: str, bags: Sequence[PackedBag]) -> list[OpenBag]:
    """The order's bags this zone may share: of its group, another zone's, with room."""
    group = group_of(rule, zone)
    found = []
    for b in bags:
        room = 0 if b.lines is None else rule.lines_per_bag - b.lines
        if room > 0 and zone not in b.zones and set(b.zones) <= group:
            found.append(OpenBag(code=b.bag.code, zones=b.zones, room=room))
    return found


def goods_lines(lines: Sequence[PickLine]) -> int:
    """The lines that put something in the tote (a line found short with nothing takes no
    room)."""
    return sum(
        1 for x in lines if x.picked > 0 or (x.substitute is not None and x.substitute.picked > 0)
    )


def bags_needed(lines: int, rule: PackingRule) -> int:
    """New bags a zone's lines take when none share: at least one."""
    return max(1, math.ceil(lines / rule.lines_per_bag))


class Fill(msgspec.Struct, frozen=True, kw_only=True):
    """How a zone's lines are bagged: some into a shared bag, the rest over new bags."""

    into: int  # lines into the shared bag
    new: list[int]  # lines in each new bag


def fill(lines: int, count: int, into: OpenBag | None, field: str) -> Fill:
    """Spread a zone's lines: the shared bag (if named) first, up to its room, then the rest
    evenly over `count` new bags (more bags than lines is the packer's call: a bulky item).
    Refuses a packing that leaves goods without a bag, or a shared bag with nothing for it."""
    shared = min(lines, into.room) if into is not None else 0
    rest = lines - shared
    if into is not None and shared == 0:
        raise InvalidInput("this zone has no lines to put into a shared bag", field=f"{field}.into")
    if rest > 0 and count == 0:
        have = f"bag {into.code} has room for {into.room}" if into else "no bag is shared"
        raise InvalidInput(
            f"{lines} line(s) to pack and {have}: {rest} need new bags", field=f"{field}.count"
        )
    if count == 0:
        return Fill(into=shared, new=[])
    share, extra = divmod(rest, count)
    return Fill(into=shared, new=[share + (n < extra) for n in range(count)])
