"""bench.orders compares placements with pgbench running the same SQL: the script must be what a
placement sends (bench.placement_sql), and must store an order per transaction as one does."""

from __future__ import annotations

import asyncio
from subprocess import PIPE

import asyncpg
from asyncpg.connection import LoggedQuery
from litestar.testing import AsyncTestClient

from bench.orders_pgbench import WHOLE, connection_args, sellables, write_scripts
from bench.orders_server import InstantGateway
from bench.placement_sql import placement
from infra.embedded_db import POSTGRES_BIN_PATH
from infra.registry import SERVICES
from services.orders.app import create_app
from shared.tracing import current_request_id
from tests.integration.apps import log_every_connection
from tests.integration.shopping import CABBAGE, POTATOES, SHOPPER, key, order

REQUEST_ID = "placement-under-watch"


async def test_pgbench_script_sends_what_a_placement_sends(database, quoting):
    settings = SERVICES["orders"].settings(
        database_url=database, delivery_url=quoting, quote_timeout_s=2.0
    )
    app = create_app(settings, gateway=InstantGateway())  # type: ignore[arg-type]
    sent: list[str] = []

    def record(query: LoggedQuery) -> None:
        # Called in the context of the task that sent the query: the request's, or the pool's
        # other users' (the bus, the sweeps), which are not the placement's.
        if current_request_id() == REQUEST_ID:
            sent.append(query.query)

    body = order({"sku": CABBAGE, "quantity": 2}, {"sku": POTATOES, "grams": 500})
    async with AsyncTestClient(app) as c:
        portal = c.blocking_portal  # the app, its pool and its loop live in the portal's thread
        portal.call(log_every_connection, app.state.pool, settings.db_pool_size, record)
        # A first placement prepares the statements, as the bench's warm-up does: what a
        # connection asks once (asyncpg's type introspection, say) is not a placement's cost.
        warm = await c.post("/v1/orders", json=body, headers={**SHOPPER, **key()})
        assert warm.status_code == 201, warm.text
        headers = {**SHOPPER, **key(), "X-Request-Id": REQUEST_ID}
        placed = await c.post("/v1/orders", json=body, headers=headers)
        assert placed.status_code == 201, placed.text
        recorded = portal.call(list, sent)  # in the app's loop, after the loggers it queued
    script = placement(body, await sellables(database), member_id="mem_test_1")
    assert recorded == [step.query for step in script]


async def test_each_pgbench_transaction_stores_an_order_as_a_placement_does(
    database, demo, tmp_path
):
    scripts = await write_scripts(database, tmp_path)
    pgbench = await asyncio.create_subprocess_exec(
        str(POSTGRES_BIN_PATH / "pgbench"),
        *("-n", "-M", "prepared", "-t", "3", "-f", str(scripts[WHOLE][0])),
        *connection_args(database),
        stdout=PIPE,
        stderr=PIPE,
    )
    _, stderr = await pgbench.communicate()
    assert pgbench.returncode == 0, stderr.decode()
    conn = await asyncpg.connect(database)
    try:
        orders = await conn.fetch(
            "SELECT o.status, o.payment_intent_id, k.status AS answered"
            " FROM orders.orders o JOIN kernel.idempotency_keys k"
            " ON k.service = 'orders' AND k.caller = o.member_id AND k.key = o.idempotency_key"
            " WHERE o.order_id LIKE 'ord_pgb_%'"
        )
        claims = await conn.fetchval("SELECT count(*) FROM orders.stock_claims")
    finally:
        await conn.close()
    assert len(orders) == 3
    assert {(x["status"], x["answered"]) for x in orders} == {("awaiting_payment", 201)}
    assert all(x["payment_intent_id"].startswith("pi_pgb_") for x in orders)
    assert claims == 0  # each order took its claim over
