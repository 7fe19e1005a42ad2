"""What a quote reads of a store is read once a store second per process and held: quotes within
that second send no SQL, and a change made through the same process is quoted at once.

The apps here run a clock that all but stands still (a millionth of the wall's speed), so every
quote of a test falls in one store second whatever the machine's load."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from asyncpg.connection import LoggedQuery
from litestar.testing import AsyncTestClient

from infra.registry import SERVICES
from services.delivery import store as db
from services.delivery.app import create_app
from services.delivery.quoting import Futures
from shared.auth import Role
from shared.db import create_pool
from shared.tracing import current_request_id
from tests.integration.apps import bearer, client, log_every_connection
from tests.integration.delivering import (
    MANAGER,
    MEMBER,
    STORE,
    handle_delivery,
    rider_on_duty,
    rows,
)
from tests.integration.test_quotes import NEARBY

SHOPPER = bearer(Role.SHOPPER, member=MEMBER)
CHECKOUT = bearer(Role.SERVICE)  # the orders service, as it quotes each placement
STANDING = {"clock_speed": 1e-6, "clock_start": datetime.now(UTC), "bus_poll_seconds": 60}
READ = [db.Q["quote_basis"], db.Q["rider_times"], db.Q["unassigned"]]


async def test_quotes_within_one_store_second_send_no_sql(database, demo):
    await handle_delivery(database)
    await rider_on_duty(database)
    settings = SERVICES["delivery"].settings(database_url=database, **STANDING)
    app = create_app(settings)
    sent: dict[str, list[str]] = {}

    def record(query: LoggedQuery) -> None:
        if (request := current_request_id()) is not None and request.startswith("quote-"):
            sent.setdefault(request, []).append(query.query)

    async with AsyncTestClient(app) as c:
        portal = c.blocking_portal  # the app's pool lives in the portal's loop
        portal.call(log_every_connection, app.state.pool, settings.db_pool_size, record)
        for n in range(4):
            headers = {**CHECKOUT, "X-Request-Id": f"quote-{n}"}
            r = await c.post("/v1/quotes", json=NEARBY, headers=headers)
            assert r.status_code == 200 and r.json()["meets_30_minutes"] is True, r.text
        recorded = portal.call(dict, sent)
    # The first reads the store: zone and basis in one statement, then the riders' future,
    # with no BEGIN or COMMIT; the next three, in the same store second, send nothing.
    assert recorded == {"quote-0": READ}


async def test_a_pace_set_through_the_api_is_quoted_at_once_in_the_same_store_second(
    database, demo
):
    await handle_delivery(database)
    await rider_on_duty(database)
    await rows(
        database,
        "INSERT INTO delivery.backlog (store_id, order_id, fulfilment, promise_at) "
        "SELECT $1, 'ord_' || n, 'delivery', now() FROM generate_series(1, 60) n RETURNING 1",
        STORE,
    )
    fast = {"orders_per_hour": 600, "detour_factor": 1.3, "rider_speed_kmh": 18}
    async with client("delivery", database, **STANDING) as c:
        slow = (await c.post("/v1/quotes", json=NEARBY, headers=SHOPPER)).json()
        assert slow["meets_30_minutes"] is False and "60 orders ahead" in slow["reason"]
        # Written past this process (another worker's API): held until the second is out.
        await rows(
            database,
            "UPDATE delivery.stores SET orders_per_hour = 600 WHERE store_id = $1 RETURNING 1",
            STORE,
        )
        held = (await c.post("/v1/quotes", json=NEARBY, headers=SHOPPER)).json()
        assert held["meets_30_minutes"] is False, held
        r = await c.put(f"/v1/stores/{STORE}/pace", json=fast, headers=MANAGER)
        assert r.status_code == 200, r.text
        now = (await c.post("/v1/quotes", json=NEARBY, headers=SHOPPER)).json()
        assert now["meets_30_minutes"] is True and now["reason"] is None, now


async def test_a_store_is_read_again_one_store_second_later_and_once_for_quotes_that_miss_together(
    database, demo
):
    await handle_delivery(database)
    await rider_on_duty(database)
    pool = await create_pool(database)
    try:
        futures = Futures()
        at = datetime.now(UTC)
        first = await asyncio.gather(
            *(futures.of(pool, STORE, now=at, batching=True) for _ in range(8))
        )
        assert all(held is first[0] for held in first)  # one read for all eight
        await pool.execute("UPDATE delivery.stores SET radius_m = 10 WHERE store_id = $1", STORE)
        later = at + timedelta(seconds=0.999)
        assert await futures.of(pool, STORE, now=later, batching=True) is first[0]
        second = await futures.of(pool, STORE, now=at + timedelta(seconds=1), batching=True)
        assert (first[0].zone.radius_m, second.zone.radius_m) != (10, 10)
        assert second.zone.radius_m == 10
    finally:
        await pool.close()
