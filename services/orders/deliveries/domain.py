"""Where a delivery order may go next on its way to the door. Pure, no I/O.

packed -> out_for_delivery -> delivered, or -> delivery_failed. Delivery's events for one order
arrive in publish order, but an `order.out_for_delivery` may never have been published (the bags
went out unscanned): a delivery or failure reported of a packed order still counts. Nothing
moves an order that was cancelled, has arrived already or failed: a redelivered event, or one
about a pickup order, changes nothing.
"""

from __future__ import annotations

from typing import Literal

Step = Literal["out_for_delivery", "delivered", "delivery_failed"]

AFTER: dict[Step, frozenset[str]] = {
    "out_for_delivery": frozenset({"packed"}),
    "delivered": frozenset({"packed", "out_for_delivery"}),
    "delivery_failed": frozenset({"packed", "out_for_delivery"}),
}


def moves_on(fulfilment: str, status: str, step: Step) -> bool:
    """Whether an order in `status` takes `step`; False means the event changes nothing."""
    return fulfilment == "delivery" and status in AFTER[step]
