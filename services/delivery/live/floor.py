"""The floor as fulfillment sees it, asked over HTTP with the manager's own token (delivery
holds no rights of its own on fulfillment's queue). The page must not stall on a slow
neighbour: no answer within `TIMEOUT_S` and the floor is unknown for this snapshot."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx
import msgspec

from shared.events import Zone
from shared.tracing import pass_on_request_id

log = logging.getLogger("omo.delivery.live")
TIMEOUT_S = 0.5


class ZoneBacklog(msgspec.Struct, frozen=True, kw_only=True):
    zone: Zone
    queued: int
    queued_lines: int
    oldest_age_s: int
    in_progress: int


class AtRisk(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    zone: str
    status: str
    picker_id: str | None
    deadline: datetime
    lines_left: int


class PickerAtWork(msgspec.Struct, frozen=True, kw_only=True):
    picker_id: str
    name: str
    zone: Zone
    orders: int
    claimed_at: datetime


class Queue(msgspec.Struct, frozen=True, kw_only=True):
    """What of fulfillment's `GET /v1/stores/{id}/fulfillment/queue` the page uses."""

    at: datetime
    zones: list[ZoneBacklog]
    at_risk: list[AtRisk]
    pickers: list[PickerAtWork]


_decode = msgspec.json.Decoder(Queue)


class FloorClient:
    def __init__(self, base_url: str, timeout_s: float = TIMEOUT_S):
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_s, event_hooks={"request": [pass_on_request_id]}
        )

    async def queue(self, store_id: str, authorization: str) -> Queue | None:
        """Fulfillment's queue of the store, or None when it did not answer in time or well."""
        try:
            response = await self._http.get(
                f"/v1/stores/{store_id}/fulfillment/queue",
                headers={"Authorization": authorization},
            )
        except httpx.HTTPError as exc:
            log.warning("fulfillment did not answer for the floor of %s: %r", store_id, exc)
            return None
        if response.status_code != 200:
            log.warning("fulfillment refused the floor of %s: %s", store_id, response.text[:300])
            return None
        return _decode.decode(response.content)

    async def aclose(self) -> None:
        await self._http.aclose()
