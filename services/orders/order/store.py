"""The order's one store: `orders.orders`, its lines and its stage times (queries.sql).

Checkout inserts an order awaiting payment; payments, pickups, deliveries and the till's
deliver-home move it on. Each locks the order's row first (`lock_order`), so the steps of one
order never interleave, and writes it through the functions here, whoever the caller is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import asyncpg
import msgspec

from services.orders.catalog.tax import TaxClass
from shared.events import Address, Fulfilment, OrderStatus, PackedLine, PlacedLine, Unit, Zone
from shared.money import priced
from shared.sql import load_queries, row_as, rows_as
from shared.web.idempotency import FirstAnswer

Q = load_queries(Path(__file__).with_name("queries.sql"))


class OrderRow(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    order_id: str
    member_id: str
    fulfilment: Fulfilment
    address_text: str | None
    address_lat: float | None
    address_lng: float | None
    status: OrderStatus
    currency: str
    estimate: int
    to_authorize: int
    promise_at: datetime
    payment_intent_id: str | None
    client_secret: str | None
    pay_by: datetime
    failure: str | None
    pickup_slot: str | None = None  # set by `order.ready_for_pickup`, never on insert
    # Set as delivery reports the order's way to the door, never on insert.
    rider_id: str | None = None
    delivery_eta: datetime | None = None
    delivery_proof: str | None = None  # code | photo
    delivery_photo_ref: str | None = None
    delivery_note: str | None = None  # the rider's, on a failed delivery

    @property
    def address(self) -> Address | None:
        """Where a delivery order goes; None for a pickup order."""
        if self.address_text is None or self.address_lat is None or self.address_lng is None:
            return None
        return Address(lat=self.address_lat, lng=self.address_lng, text=self.address_text)


class LineRow(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int
    sku: str
    name_en: str
    name_ja: str
    zone: Zone
    unit: Unit
    quantity: int
    unit_price: int
    estimate: int
    substitution: str
    tax_class: TaxClass  # its product's when ordered
    picked: int | None = None
    substitute_sku: str | None = None
    substitute_name_en: str | None = None
    substitute_quantity: int | None = None
    charged: int | None = None


class OrderKey(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    order_id: str


async def insert_order(
    conn: asyncpg.Connection | asyncpg.Pool,
    order: OrderRow,
    *,
    idempotency_key: str,
    lines: Sequence[LineRow],
    created_at: datetime,
    claim_id: str | None = None,
    answer: FirstAnswer | None = None,
) -> bool:
    """The order, with its lines and its `created` stage, taking stock claim `claim_id` over as
    its reservation if one is given, and the request's `answer` stored with its key if one is
    given (`conn` may then be the pool: the statement commits all of it at once). False when
    the claim was gone: then nothing was written. A key stored meanwhile by another request
    raises `asyncpg.UniqueViolationError`, and nothing was written either."""
    columns = ("line_no", "sku", "name_en", "name_ja", "zone", "unit", "quantity", "unit_price")
    return bool(
        await conn.fetchval(
            *Q["insert_order"](
                store_id=order.store_id,
                order_id=order.order_id,
                member_id=order.member_id,
                idempotency_key=idempotency_key,
                fulfilment=order.fulfilment,
                address_text=order.address_text,
                address_lat=order.address_lat,
                address_lng=order.address_lng,
                currency=order.currency,
                estimate=order.estimate,
                to_authorize=order.to_authorize,
                promise_at=order.promise_at,
                pay_by=order.pay_by,
                payment_intent_id=order.payment_intent_id,
                client_secret=order.client_secret,
                estimate_each=[line.estimate for line in lines],
                substitution=[line.substitution for line in lines],
                tax_class=[line.tax_class for line in lines],
                created_at=created_at,
                claim_id=claim_id,
                service=answer and answer.key.service,
                caller=answer and answer.key.caller,
                fingerprint=answer and answer.fingerprint,
                ttl=answer and answer.ttl,
                answer_status=answer and answer.status,
                answer_body=answer and answer.body,
                answer_media_type=answer and answer.media_type,
                **{c: [getattr(line, c) for line in lines] for c in columns},
            )
        )
    )


async def order_by_key(conn: asyncpg.Connection, *, member_id: str, key: str) -> OrderKey | None:
    """The order the member placed with this Idempotency-Key, if any."""
    return row_as(OrderKey, await conn.fetchrow(Q["order_by_key"], member_id, key))


async def get_order(conn: asyncpg.Connection, *, order_id: str) -> OrderRow | None:
    return row_as(OrderRow, await conn.fetchrow(Q["get_order"], order_id))


async def find_locked(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> OrderRow | None:
    """The order, its row locked until the transaction ends; None if the store has no such
    order."""
    return row_as(OrderRow, await conn.fetchrow(Q["lock_order"], store_id, order_id))


async def lock_order(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> OrderRow:
    """The order the caller knows exists (it read it already), its row locked."""
    order = await find_locked(conn, store_id=store_id, order_id=order_id)
    if order is None:
        raise LookupError(f"order {order_id} of {store_id} is gone")  # orders are never deleted
    return order


async def overdue_unpaid(conn: asyncpg.Connection, *, now: datetime, limit: int) -> list[OrderKey]:
    return rows_as(OrderKey, await conn.fetch(Q["overdue_unpaid"], now, limit))


async def member_orders(
    conn: asyncpg.Connection, *, member_id: str, before: str | None, limit: int
) -> list[str]:
    rows = await conn.fetch(*Q["member_orders"](member_id=member_id, before=before, limit=limit))
    return [r["order_id"] for r in rows]


async def set_intent(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    intent_id: str,
    client_secret: str | None,
) -> OrderRow:
    """The order with its PaymentIntent (the caller holds its row)."""
    row = await conn.fetchrow(Q["set_intent"], store_id, order_id, intent_id, client_secret)
    return msgspec.convert(dict(row), OrderRow)


async def set_status(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    status: str,
    failure: str | None = None,
) -> None:
    await conn.execute(Q["set_status"], store_id, order_id, status, failure)


async def set_pickup_slot(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, slot: str
) -> bool:
    """False if the store has no such pickup order."""
    return await conn.fetchval(Q["set_pickup_slot"], store_id, order_id, slot) is not None


async def set_out_for_delivery(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, rider_id: str, eta: datetime
) -> None:
    await conn.execute(Q["set_out_for_delivery"], store_id, order_id, rider_id, eta)


async def set_delivered(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    rider_id: str,
    proof: str,
    photo_ref: str | None,
) -> None:
    await conn.execute(Q["set_delivered"], store_id, order_id, rider_id, proof, photo_ref)


async def set_delivery_failed(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    rider_id: str,
    reason: str,
    note: str | None,
) -> None:
    await conn.execute(Q["set_delivery_failed"], store_id, order_id, rider_id, reason, note)


async def forget_addresses(conn: asyncpg.Connection, *, member_id: str) -> None:
    """An erased member's orders keep no address and no PaymentIntent client secret."""
    await conn.execute(*Q["forget_addresses"](member_id=member_id))


async def lines(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> list[LineRow]:
    return rows_as(LineRow, await conn.fetch(Q["lines"], store_id, order_id))


async def placed_lines(
    conn: asyncpg.Connection, *, store_id: str, order_id: str
) -> list[PlacedLine]:
    rows = await conn.fetch(Q["placed_lines"], store_id, order_id)
    return rows_as(PlacedLine, (priced(r, "unit_price") for r in rows))


async def record_packed_lines(
    conn: asyncpg.Connection,
    *,
    store_id: str,
    order_id: str,
    packed: Sequence[PackedLine],
    charged: Mapping[int, int],
) -> None:
    """What was picked of each line, its substitute, and what it was charged."""
    subs = [p.substitute for p in packed]
    await conn.execute(
        *Q["record_packed_lines"](
            store_id=store_id,
            order_id=order_id,
            line_no=[p.line_no for p in packed],
            picked=[p.picked for p in packed],
            sku=[s.sku if s else None for s in subs],
            name_en=[s.name_en if s else None for s in subs],
            name_ja=[s.name_ja if s else None for s in subs],
            unit=[s.unit if s else None for s in subs],
            quantity=[s.quantity if s else None for s in subs],
            unit_price=[s.unit_price.amount if s else None for s in subs],
            charged=[charged[p.line_no] for p in packed],
        )
    )


async def add_stage(
    conn: asyncpg.Connection, *, store_id: str, order_id: str, stage: str, at: datetime
) -> None:
    """When the order reached `stage`; the first time counts."""
    await conn.execute(Q["add_stage"], store_id, order_id, stage, at)


async def stages(conn: asyncpg.Connection, *, store_id: str, order_id: str) -> dict[str, datetime]:
    return {r["stage"]: r["at"] for r in await conn.fetch(Q["stages"], store_id, order_id)}
