"""The floor as fulfillment sees it, asked over HTTP with the manager's own token (delivery
holds no rights of its own on fulfillment's queue): its queue, and the pick tasks of an order
the manager follows. The page must not stall on a slow neighbour: no answer within `TIMEOUT_S`
and the floor is unknown for this snapshot."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TypeVar

import httpx
import msgspec

from shared.events import Fulfilment, Zone
from shared.tracing import pass_on_request_id

log = logging.getLogger("omo.delivery.live")
TIMEOUT_S = 0.5
T = TypeVar("T")


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


class PickTask(msgspec.Struct, frozen=True, kw_only=True):
    """What of a task in fulfillment's `GET .../orders/{id}/pick-tasks` the page uses."""

    zone: str
    fulfilment: Fulfilment
    status: str  # queued | claimed | picked | packed | cancelled
    deadline: datetime
    picker_id: str | None
    picker_name: str | None
    created_at: datetime  # when the floor heard of the order: when it was paid
    claimed_at: datetime | None
    packed_at: datetime | None
    collected_at: datetime | None  # a pickup order's


class PickTasks(msgspec.Struct, frozen=True, kw_only=True):
    """Fulfillment's page of an order's tasks (one page: a task a temperature zone)."""

    items: list[PickTask]


_queue = msgspec.json.Decoder(Queue)
_tasks = msgspec.json.Decoder(PickTasks | list[PickTask])  # an older fulfillment: a bare list


class FloorClient:
    def __init__(self, base_url: str, timeout_s: float = TIMEOUT_S):
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout_s, event_hooks={"request": [pass_on_request_id]}
        )

    async def queue(self, store_id: str, authorization: str) -> Queue | None:
        """Fulfillment's queue of the store, or None when it did not answer in time or well."""
        return await self._get(f"/v1/stores/{store_id}/fulfillment/queue", authorization, _queue)

    async def order_tasks(
        self, store_id: str, order_id: str, authorization: str
    ) -> list[PickTask] | None:
        """One order's pick tasks, or None when fulfillment did not answer in time or well."""
        path = f"/v1/stores/{store_id}/orders/{order_id}/pick-tasks"
        tasks = await self._get(path, authorization, _tasks)
        return tasks.items if isinstance(tasks, PickTasks) else tasks

    async def _get(
        self, path: str, authorization: str, decoder: msgspec.json.Decoder[T]
    ) -> T | None:
        try:
            response = await self._http.get(path, headers={"Authorization": authorization})
        except httpx.HTTPError as exc:
            log.warning("fulfillment did not answer %s: %r", path, exc)
            return None
        if response.status_code != 200:
            log.warning("fulfillment refused %s: %s", path, response.text[:300])
            return None
        return decoder.decode(response.content)

    async def aclose(self) -> None:
        await self._http.aclose()
