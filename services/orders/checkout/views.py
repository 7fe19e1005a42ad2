"""What a shopper or the store sees of an order: lines, amounts from the ledger, stage times."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import msgspec

from services.orders.catalog.paging import Language
from services.orders.catalog.tax import RATES, TaxSubtotal, tax_subtotals
from services.orders.order import store as orders
from services.orders.order.store import LineRow, OrderRow
from services.orders.payments import store as payments
from services.orders.payments.store import LedgerRow
from services.orders.substitutions.domain import ProposalView
from services.orders.substitutions.views import proposals
from shared import paging
from shared.auth import STAFF, Principal, Role
from shared.errors import NotFound
from shared.events import Address, Fulfilment, OrderStatus, Unit, Zone
from shared.money import Money


class SubstituteView(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    name_en: str
    quantity: int


class LineView(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int
    sku: str
    name_en: str
    name_ja: str
    zone: Zone
    unit: Unit
    ordered: int  # pieces, or grams for `kg`
    unit_price: Money  # per piece, or per kilogram
    estimate: Money
    substitution: str
    picked: int | None  # once packed: pieces, or grams on the scale
    substituted_by: SubstituteView | None
    charged: Money | None
    tax_rate_pct: int  # included in its prices


class Amounts(msgspec.Struct, frozen=True, kw_only=True):
    estimated: Money
    to_authorize: Money
    authorized: Money
    captured: Money
    released: Money
    refunded: Money
    # What the rider takes at the door, for an order paid on delivery (no PaymentIntent): the
    # estimate until it is packed, then what was packed; nothing once paid, or for any other.
    due: Money
    # Per rate, the lines' total (estimated, then as charged once packed) and the tax in it.
    taxes: list[TaxSubtotal]


# An order paid on delivery owes its total while it is on its way, and nothing after.
OWING = frozenset({"placed", "picking", "picked", "packed", "out_for_delivery"})


class Payment(msgspec.Struct, frozen=True, kw_only=True):
    intent_id: str | None
    client_secret: str | None  # for the app's Stripe SDK, while the order awaits payment


class DeliveryView(msgspec.Struct, frozen=True, kw_only=True):
    """A delivery order's way to the door, as delivery reported it."""

    rider_id: str  # the rider who carries (or carried) the order, to follow on the map
    eta: datetime | None  # at the door, as planned when the rider left the store
    proof: str | None  # once delivered: code | photo
    photo_ref: str | None
    note: str | None  # the rider's, on a failed delivery (its reason is the order's failure)


class OrderView(msgspec.Struct, frozen=True, kw_only=True):
    order_id: str
    store_id: str
    status: OrderStatus
    fulfilment: Fulfilment
    address: Address | None
    pickup_slot: str | None  # where the bags wait, once a pickup order is ready for pickup
    delivery: DeliveryView | None  # once a rider has the order
    promise_at: datetime
    pay_by: datetime | None
    failure: str | None
    lines: list[LineView]
    amounts: Amounts
    payment: Payment
    substitutions: list[ProposalView]
    stages: dict[str, datetime]


def may_see(principal: Principal, order: OrderRow) -> bool:
    """A shopper sees their own orders, a rider the orders they carry, other staff their own
    store's, services all."""
    if principal.role is Role.SHOPPER:
        return principal.member_id == order.member_id
    if principal.role is Role.RIDER:
        return principal.store_id == order.store_id and principal.subject == order.rider_id
    if principal.role in STAFF:
        return principal.store_id == order.store_id
    return principal.role is Role.SERVICE


# What each role's work needs of an order beyond its lines and state; the rest is left out.
SEES_THE_DOOR = frozenset({Role.SHOPPER, Role.RIDER, Role.MANAGER, Role.SERVICE})  # address
SEES_THE_PAYMENT = frozenset({Role.SHOPPER, Role.MANAGER, Role.SERVICE})  # its PaymentIntent
PAYS = frozenset({Role.SHOPPER})  # the client_secret lets its holder pay: the shopper's app


def scoped(view: OrderView, role: Role) -> OrderView:
    """The order as `role` may read it: a picker or cashier without the address and the
    rider's hand-over, a rider without the payment, nobody but the shopper the client_secret."""
    payment = view.payment
    if role not in PAYS:
        payment = Payment(intent_id=payment.intent_id, client_secret=None)
    if role not in SEES_THE_PAYMENT:
        payment = Payment(intent_id=None, client_secret=None)
    if role in SEES_THE_DOOR:
        return msgspec.structs.replace(view, payment=payment)
    return msgspec.structs.replace(view, payment=payment, address=None, delivery=None)


async def visible_order(conn: asyncpg.Connection, principal: Principal, order_id: str) -> OrderRow:
    """The order if the caller may see it; otherwise it does not exist, as far as they know."""
    order = await orders.get_order(conn, order_id=order_id)
    if order is None or not may_see(principal, order):
        raise NotFound(f"there is no order {order_id}", field="order_id")
    return order


async def status_of(conn: asyncpg.Connection, order_id: str) -> str | None:
    """Where the order is now; None if there is no such order."""
    order = await orders.get_order(conn, order_id=order_id)
    return order.status if order else None


async def order_view(
    conn: asyncpg.Connection, order: OrderRow, role: Role, lang: Language = "en"
) -> OrderView:
    """The order as `role` may read it (see `scoped`), what it words (why a substitute was
    proposed) in `lang`."""
    keys = {"store_id": order.store_id, "order_id": order.order_id}
    return composed(
        order,
        role,
        lines=await orders.lines(conn, **keys),
        entries=await payments.ledger(conn, **keys),
        substitutions=await proposals(conn, **keys, lang=lang),
        stages=await orders.stages(conn, **keys),
    )


def new_order_view(
    order: OrderRow, role: Role, *, lines: list[LineRow], created_at: datetime
) -> OrderView:
    """`order_view` of an order its own transaction has just stored, from what it wrote (the
    lines as `insert_order` returned them), without reading it back: a new order has no ledger
    entries, proposals or stages but `created` yet (tests/integration/test_checkout.py holds
    it equal to the order read back)."""
    return composed(
        order, role, lines=lines, entries=[], substitutions=[], stages={"created": created_at}
    )


def composed(
    order: OrderRow,
    role: Role,
    *,
    lines: list[LineRow],
    entries: list[LedgerRow],
    substitutions: list[ProposalView],
    stages: dict[str, datetime],
) -> OrderView:
    """The view of `order` made of its lines, ledger entries, proposals and stages."""

    def money(amount: int) -> Money:
        return Money(amount, order.currency)

    def booked(*kinds: str) -> Money:
        return money(sum(e.amount for e in entries if e.kind in kinds))

    awaiting = order.status == "awaiting_payment"
    owed = sum(x.estimate if x.charged is None else x.charged for x in lines)
    view = OrderView(
        order_id=order.order_id,
        store_id=order.store_id,
        status=order.status,
        fulfilment=order.fulfilment,
        address=order.address,
        pickup_slot=order.pickup_slot,
        delivery=DeliveryView(
            rider_id=order.rider_id,
            eta=order.delivery_eta,
            proof=order.delivery_proof,
            photo_ref=order.delivery_photo_ref,
            note=order.delivery_note,
        )
        if order.rider_id
        else None,
        promise_at=order.promise_at,
        pay_by=order.pay_by if awaiting else None,
        failure=order.failure,
        lines=[
            LineView(
                line_no=x.line_no,
                sku=x.sku,
                name_en=x.name_en,
                name_ja=x.name_ja,
                zone=x.zone,
                unit=x.unit,
                ordered=x.quantity,
                unit_price=money(x.unit_price),
                estimate=money(x.estimate),
                substitution=x.substitution,
                picked=x.picked,
                substituted_by=SubstituteView(
                    sku=x.substitute_sku,
                    name_en=x.substitute_name_en or "",
                    quantity=x.substitute_quantity or 0,
                )
                if x.substitute_sku
                else None,
                charged=money(x.charged) if x.charged is not None else None,
                tax_rate_pct=RATES[x.tax_class],
            )
            for x in lines
        ],
        amounts=Amounts(
            estimated=money(order.estimate),
            to_authorize=money(order.to_authorize),
            authorized=booked("authorize"),
            captured=booked("capture", "charge"),
            released=booked("release"),
            refunded=booked("refund"),
            due=money(
                max(0, owed - booked("capture", "charge").amount)
                if order.payment_intent_id is None and order.status in OWING
                else 0
            ),
            taxes=tax_subtotals(
                ((x.tax_class, x.estimate if x.charged is None else x.charged) for x in lines),
                order.currency,
            ),
        ),
        payment=Payment(
            intent_id=order.payment_intent_id,
            client_secret=order.client_secret if awaiting else None,
        ),
        substitutions=substitutions,
        stages=stages,
    )
    return scoped(view, role)


class OrderPage(paging.Page, frozen=True, kw_only=True):
    items: list[OrderView]


async def member_orders(
    conn: asyncpg.Connection, principal: Principal, limit: int, cursor: str | None, lang: Language
) -> OrderPage:
    """The shopper's own orders, newest first (never those that were not paid for)."""
    after = paging.decode_cursor(cursor, tuple[str])
    ids = await orders.member_orders(
        conn,
        member_id=principal.member_id or "",
        before=after[0] if after else None,
        limit=limit + 1,
    )
    shown, next_cursor = paging.cut(ids, limit, lambda i: (i,))
    items = [
        await order_view(conn, await visible_order(conn, principal, i), principal.role, lang)
        for i in shown
    ]
    return OrderPage(items=items, next_cursor=next_cursor)
