"""Bag labels to print: the bag's code as a QR code a rider's scanner reads, and what a person
reads beside it. The QR is drawn here (segno), as an SVG the page puts in an image, so the
handheld needs no library of its own and a label printer gets a sharp vector at any size."""

from __future__ import annotations

import msgspec
import segno

from services.fulfillment.domain import Zone
from shared.events import Bag


class PrintLabel(msgspec.Struct, frozen=True, kw_only=True):
    code: str  # what the QR code holds: the bag's code, as riders scan it
    order_id: str
    zone: Zone
    zones: list[Zone]  # a shared bag holds more than its own zone
    number: int
    of: int
    qr: str  # data:image/svg+xml URI of the QR code (error correction M, a 4-module quiet zone)


def qr_data_uri(code: str) -> str:
    return segno.make_qr(code, error="m").svg_data_uri(border=4)


def print_label(order_id: str, bag: Bag) -> PrintLabel:
    return PrintLabel(
        code=bag.code,
        order_id=order_id,
        zone=bag.zone,
        zones=bag.zones or [bag.zone],
        number=bag.number,
        of=bag.of,
        qr=qr_data_uri(bag.code),
    )
