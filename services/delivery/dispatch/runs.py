"""The record of a store's last dispatch: what the dispatcher did, for the store's board."""

from __future__ import annotations

from datetime import datetime

import msgspec


class Run(msgspec.Struct, frozen=True, kw_only=True):
    """One dispatch of a store, as its store view shows it."""

    at: datetime
    solver: str
    solve_s: float
    ready_orders: int
    free_riders: int
    committed: int
    held: int
    late_orders: int
    lateness_s: float
    unassigned: int
    owner: str
