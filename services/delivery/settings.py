"""Delivery's settings (OMO_DELIVERY_*)."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

import msgspec

from shared.settings import Port, ServiceSettings


class DeliverySettings(ServiceSettings, frozen=True, kw_only=True):
    service: ClassVar[str] = "delivery"
    port: Port = 8003
    # the dispatcher (`omo dispatch`): OR-Tools, or one order per trip to the nearest free rider
    dispatch_policy: Literal["ortools", "greedy"] = "ortools"
    solve_time_limit_s: Annotated[float, msgspec.Meta(gt=0, le=60)] = 1.0
    replan_s: Annotated[float, msgspec.Meta(gt=0)] = 30.0  # re-plan this often with no event
    # and no more often than this (store seconds): on a busy evening an order is packed or a
    # rider comes back every few seconds, and back-to-back solves took a whole core
    replan_gap_s: Annotated[float, msgspec.Meta(ge=0)] = 10.0
    # where `omo dispatch` serves /healthz and /metrics (on `host`); 0: it serves nothing
    dispatcher_port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 8004
