"""Asking orders (which owns the catalog and the stock) for substitutes when a line is short.

The picker is waiting, so the call is short (500 ms by default); when orders cannot answer, the
line stays short without a proposal and the shopper is charged only for what was picked.
"""

from __future__ import annotations

import logging

import httpx
import msgspec

from shared.events import SubstituteReason, Unit
from shared.money import Money
from shared.tracing import pass_on_request_id

log = logging.getLogger("omo.fulfillment.substitutes")


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    """A product orders offers in place of a short one (best first)."""

    sku: str
    ean: str
    name_en: str
    name_ja: str
    unit: Unit
    price: Money  # per piece, or per kilogram
    available: int
    # Why a shopper would accept it, in English words and as codes with their parameters (an
    # older orders gives no codes, an older still no words).
    reason: str = ""
    why: list[SubstituteReason] = []


class Offers(msgspec.Struct, frozen=True, kw_only=True):
    """Orders' page of offers (its `next_cursor` is always null: at most five)."""

    items: list[Offer]


class SubstitutesClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 0.5):
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout_s,
            headers={"Authorization": f"Bearer {token}"},
            event_hooks={"request": [pass_on_request_id]},
        )

    async def offers(
        self, *, store_id: str, sku: str, quantity: int, preference: str
    ) -> list[Offer] | str:
        """The offers, best first, or why there are none to be had now."""
        try:
            response = await self._http.get(
                f"/v1/stores/{store_id}/products/{sku}/substitutes",
                params={"quantity": quantity, "preference": preference},
            )
        except httpx.HTTPError as exc:
            log.warning("orders did not answer for substitutes of %s: %r", sku, exc)
            return "the catalog did not answer in time"
        if response.status_code != 200:
            log.warning("orders refused substitutes of %s: %s", sku, response.text[:300])
            return f"the catalog could not offer one ({response.status_code})"
        # An older orders answers a bare list.
        offers = msgspec.json.decode(response.content, type=Offers | list[Offer])
        return offers.items if isinstance(offers, Offers) else offers

    async def aclose(self) -> None:
        await self._http.aclose()
