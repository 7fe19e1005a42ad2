"""What a scan or a shortage means for the lines of a batch. Pure: no I/O, no framework.

Pieces are counted one scan at a time. Weighed lines take scale labels (GS1 variable-measure
codes with a weight or a price) and are done within 10 % under the ordered weight; a label that
takes the line more than 15 % over is refused, because the card was authorized for the estimate
plus 15 % (services/orders/payments).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from services.fulfillment.domain import Zone
from shared.barcodes import Scan
from shared.errors import Conflict, DomainError, InvalidInput
from shared.events import SubstituteReason, Unit
from shared.money import Money

UNDER_WEIGHT = 0.10
OVER_WEIGHT = 0.15

LineState = Literal["open", "done", "awaiting_decision", "substitute", "short", "substituted"]
RESOLVED: frozenset[str] = frozenset({"done", "short", "substituted"})


class WrongItem(DomainError):
    """That is not the item to pick"""

    status = 422
    slug = "wrong-item"


class WrongTote(DomainError):
    """That item belongs in another tote"""

    status = 422
    slug = "wrong-tote"


class OverPick(DomainError):
    """The line has all it needs"""

    status = 409
    slug = "over-pick"


class Where(msgspec.Struct, frozen=True, kw_only=True):
    aisle: int
    bay: int
    shelf: int


class SubstituteItem(msgspec.Struct, frozen=True, kw_only=True):
    """A substitute proposed for a short line, and how far its picking got."""

    substitution_id: str
    sku: str
    ean: str
    name_en: str
    name_ja: str
    unit: Unit
    quantity: int
    unit_price: Money  # per piece, or per kilogram
    bin: Where | None
    decide_by: datetime
    approved: bool | None
    picked: int
    closed: bool
    why: list[SubstituteReason]  # why the catalog offered it, for the handheld to word


class PickLine(msgspec.Struct, frozen=True, kw_only=True):
    """One ordered line as the picker works it: `quantity` and `picked` are pieces or grams."""

    line_id: str
    task_id: str
    seq: int
    order_id: str
    tote: int | None
    zone: Zone
    line_no: int
    sku: str
    ean: str
    name_en: str
    name_ja: str
    unit: Unit
    quantity: int
    unit_price: Money  # per piece, or per kilogram
    preference: str
    bin: Where | None
    picked: int
    short: bool
    picked_by: str | None
    substitute: SubstituteItem | None

    @property
    def state(self) -> LineState:
        if is_complete(self.unit, self.picked, self.quantity):
            return "done"
        if not self.short:
            return "open"
        sub = self.substitute
        if sub is None or sub.approved is False:
            return "short"
        if sub.approved is None:
            return "awaiting_decision"
        if sub.closed or is_complete(sub.unit, sub.picked, sub.quantity):
            return "substituted"
        return "substitute"


class Placement(msgspec.Struct, frozen=True, kw_only=True):
    """Where an accepted scan goes: a line, or its substitute, and how much it adds."""

    line: PickLine
    substitute: bool
    amount: int


def is_complete(unit: str, picked: int, quantity: int) -> bool:
    if unit == "kg":
        return picked >= quantity * (1 - UNDER_WEIGHT)
    return picked >= quantity


def _too_much(unit: str, picked: int, quantity: int, amount: int) -> bool:
    if unit == "kg":
        return picked + amount > quantity * (1 + OVER_WEIGHT)
    return picked + amount > quantity


def _matches(scan: Scan, ean: str, unit: str) -> bool:
    if scan.kind == "gtin":
        return scan.gtin == ean
    return unit == "kg" and scan.plu == ean[7:12]


def _amount(scan: Scan, name: str, unit: str, unit_price: int) -> int:
    if unit == "each":
        return 1
    if scan.kind == "weight" and scan.grams is not None:
        return scan.grams
    if scan.kind == "price" and scan.price is not None and unit_price > 0:
        return round(scan.price * 1000 / unit_price)
    raise InvalidInput(
        f"{name} is sold by weight: scan the scale label, which carries the weight",
        field="barcode",
    )


def amount_text(unit: str, amount: int) -> str:
    return f"{amount} g" if unit == "kg" else f"{amount}"


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """What a line wants scanned now: its product, or its approved substitute."""

    sku: str
    ean: str
    name: str
    name_ja: str
    unit: Unit
    unit_price: Money
    picked: int
    quantity: int
    bin: Where | None
    substitute: bool


def target(line: PickLine) -> Target | None:
    """What `line` wants scanned now, or None when it wants nothing (done, waiting, closed)."""
    match line.state:
        case "open":
            return Target(
                sku=line.sku,
                ean=line.ean,
                name=line.name_en,
                name_ja=line.name_ja,
                unit=line.unit,
                unit_price=line.unit_price,
                picked=line.picked,
                quantity=line.quantity,
                bin=line.bin,
                substitute=False,
            )
        case "substitute":
            s = line.substitute
            assert s is not None
            return Target(
                sku=s.sku,
                ean=s.ean,
                name=s.name_en,
                name_ja=s.name_ja,
                unit=s.unit,
                unit_price=s.unit_price,
                picked=s.picked,
                quantity=s.quantity,
                bin=s.bin,
                substitute=True,
            )
    return None


def place_scan(lines: list[PickLine], *, tote: int, scan: Scan) -> Placement:
    """Which line of `tote` a scanned item counts for, with the lines in walking order.

    Refused: an item no open line of the tote wants (422 naming the item expected next), an
    item that belongs in another tote (422 naming it), one more than a line needs (409).
    """
    mine = [x for x in lines if x.tote == tote]
    if not mine:
        totes = sorted({x.tote for x in lines if x.tote is not None})
        raise InvalidInput(f"tote {tote} is not in this batch (its totes: {totes})", field="tote")
    wanted = [(x, t) for x in mine if (t := target(x)) is not None]
    for line, want in wanted:
        if _matches(scan, want.ean, want.unit):
            amount = _amount(scan, want.name, want.unit, want.unit_price.amount)
            if _too_much(want.unit, want.picked, want.quantity, amount):
                raise OverPick(
                    f"{want.name}: {amount_text(want.unit, want.picked)} of "
                    f"{amount_text(want.unit, want.quantity)} picked; this one would be too "
                    "much, put it back",
                    field="barcode",
                    line_id=line.line_id,
                )
            return Placement(line=line, substitute=want.substitute, amount=amount)
    for line in mine:
        if _matches(scan, line.ean, line.unit) and line.state != "open":
            raise OverPick(
                f"{line.name_en} is {line.state} already; put it back",
                field="barcode",
                line_id=line.line_id,
            )
    for line in lines:
        elsewhere = target(line)
        if line.tote != tote and elsewhere and _matches(scan, elsewhere.ean, elsewhere.unit):
            raise WrongTote(
                f"{elsewhere.name} is for tote {line.tote}, not tote {tote}",
                field="tote",
                tote=line.tote,
                line_id=line.line_id,
            )
    if not wanted:
        raise WrongItem(f"tote {tote} has nothing left to pick; put that back", field="barcode")
    expected, want = wanted[0]
    spot = want.bin and f" at aisle {want.bin.aisle}, bay {want.bin.bay}, shelf {want.bin.shelf}"
    raise WrongItem(
        f"that is not {want.name}; tote {tote} needs {want.name}{spot or ''} "
        f"({amount_text(want.unit, want.picked)} of {amount_text(want.unit, want.quantity)})",
        field="barcode",
        expected={"line_id": expected.line_id, "name_en": want.name, "sku": expected.sku},
    )


def check_short(line: PickLine, found: int) -> Target:
    """A picker may report a line short only with what they scanned, while it still wants more;
    returns what is short (the product, or its substitute)."""
    want = target(line)
    if want is None:
        raise Conflict(f"{line.name_en} is {line.state}; nothing to report", field="line_id")
    if found != want.picked:
        raise InvalidInput(
            f"{amount_text(want.unit, want.picked)} of {want.name} scanned, but "
            f"{amount_text(want.unit, found)} reported found: scan what you found, then report",
            field="found",
        )
    return want
