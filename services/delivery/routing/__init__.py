"""Routing: the problem, the plan, and the solvers that turn one into the other.

`plan_routes` is imported on first use: OR-Tools is heavy to load, and the API processes that
only build problems or read plans (`routing.model`, `routing.matrix`) never need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.delivery.routing.greedy import plan_greedy

if TYPE_CHECKING:
    from services.delivery.routing.ortools_solver import plan_routes

__all__ = ["plan_greedy", "plan_routes"]


def __getattr__(name: str):
    if name == "plan_routes":
        from services.delivery.routing.ortools_solver import plan_routes

        return plan_routes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
