"""A handler's dependencies resolved in turn, in the request's own task.

Litestar resolves the dependencies of a handler that do not depend on each other at once, in an
anyio task group: a task, a cancel scope and an event per dependency, on every request
(litestar-org/litestar#4563: a second flat dependency takes a bare handler to 64 % of its
rate). Ours are the pool, the clock, the caller, settings and clients made once, and the
request's transaction: none waits on anything but the pool, so the tasks buy no overlap and
cost the checkout's five and the quote's four on every call. Resolved in turn, as FastAPI
does, the orders service spends 0.7-0.8 ms a placement where it spent 0.9, and placements
went from 631 and 664 to 682 and 779 a second, p99 from 74-78 ms to 37-44
(`python -m bench.orders --seconds 10 --concurrency 16`, alternated, this 2-core machine).

Litestar has no setting for it, so `resolve_in_turn` replaces its `KwargsModel`'s method with
the same loop without the task group (Litestar 2.25; tests/unit/test_dependencies.py fails if
a release changes what it replaces). What a dependency sees is unchanged: each batch still
comes after the one it depends on.
"""

from __future__ import annotations

from typing import Any

from litestar._kwargs.cleanup import DependencyCleanupGroup
from litestar._kwargs.dependencies import resolve_dependency
from litestar._kwargs.kwargs_model import KwargsModel
from litestar.connection import ASGIConnection


async def _in_turn(
    self: KwargsModel, connection: ASGIConnection, kwargs: dict[str, Any]
) -> DependencyCleanupGroup:
    cleanup_group = DependencyCleanupGroup()
    for batch in self.dependency_batches:
        for dependency in batch:
            await resolve_dependency(dependency, connection, kwargs, cleanup_group)
    return cleanup_group


def resolve_in_turn() -> None:
    """Every app of this process resolves its handlers' dependencies in turn (idempotent)."""
    KwargsModel.resolve_dependencies = _in_turn  # type: ignore[method-assign]
