"""The demo store on a busy evening, as the manager's live page shows it: riders on shift,
orders at every stage, one delivered within the hour, one already late, and the dispatcher's
alert; and quotes that promise later than 30 minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from tests.integration.delivering import (
    DOORS,
    MANAGER,
    SHOPPER,
    STORE,
    assign_route,
    emit,
    handle_delivery,
    placed,
    ready_orders,
    rider_on_duty,
    rows,
)

# Where the riders are: rider-1 at the store's door, rider-2 about 1.1 km north-east of it,
# riding back from a trip.
AT_STORE = (34.6938, 135.1956)
AWAY = (34.7010, 135.2040)


@dataclass(frozen=True)
class Evening:
    late: str  # placed, its promise passed, still on the floor
    ready: str  # packed, no rider yet
    route: list[str]  # rider-1's two stops, in riding order
    delivered: str  # in time for its promise, 40 minutes after it was placed


async def place_rider(database: str, rider_id: str, at: tuple[float, float]) -> None:
    await rows(
        database,
        "UPDATE delivery.riders SET lat = $3, lng = $4, located_at = now()"
        " WHERE store_id = $1 AND rider_id = $2 RETURNING rider_id",
        STORE,
        rider_id,
        *at,
    )


async def busy_evening(database: str) -> Evening:
    await handle_delivery(database)  # delivery learns of the store (and its zone) first
    for rider_id, at in (("rider-1", AT_STORE), ("rider-2", AWAY)):
        await rider_on_duty(database, rider_id)
        await place_rider(database, rider_id, at)
    first, second, ready, delivered = await ready_orders(database, 4)
    await assign_route(database, "rider-1", [first, second])
    late = placed(due_in=timedelta(minutes=-2))
    await emit(database, late)
    now = datetime.now(UTC)
    await rows(
        database,
        "UPDATE delivery.deliveries SET status = 'delivered', done_at = $3::timestamptz,"
        " placed_at = $3::timestamptz - interval '40 minutes'"
        " WHERE store_id = $1 AND order_id = $2 RETURNING order_id",
        STORE,
        delivered,
        now,
    )
    await rows(  # the dispatcher's last plan: the packed order has no rider
        database,
        "INSERT INTO delivery.dispatch_runs (store_id, at, solver, solve_s, ready_orders,"
        " free_riders, committed, held, late_orders, lateness_s, unassigned, owner)"
        " VALUES ($1, $2, 'test', 0.1, 1, 0, 0, 0, 0, 0, 1, 'test') RETURNING store_id",
        STORE,
        now,
    )
    return Evening(late=late.order_id, ready=ready, route=[first, second], delivered=delivered)


async def quote(http: httpx.AsyncClient, **body: object) -> dict:
    """Delivery's quote for the first demo door (or as `body` says), as a shopper's app asks."""
    door = {"store_id": STORE, "lat": DOORS[0][0], "lng": DOORS[0][1]}
    r = await http.post("/v1/quotes", json={**door, **body}, headers=SHOPPER)
    assert r.status_code == 200, r.text
    return r.json()


async def set_pace(http: httpx.AsyncClient, orders_per_hour: int) -> None:
    """The store's floor pace, by its manager (a new pace: quotes see a new future at once)."""
    r = await http.put(
        f"/v1/stores/{STORE}/pace", json={"orders_per_hour": orders_per_hour}, headers=MANAGER
    )
    assert r.status_code == 200, r.text
