"""What a shopper sees of a scan-and-go cart, and what the cashier at the door sees of it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from services.orders.catalog.allergens import Allergen
from services.orders.catalog.tax import RATES, TaxSubtotal, tax_subtotals
from services.orders.sale.domain import ScanKind
from services.orders.scan_and_go import store as db
from services.orders.scan_and_go.domain import CartStatus, ExitCode
from shared.events import Unit
from shared.money import Money


class CartLineView(msgspec.Struct, frozen=True, kw_only=True):
    line_no: int  # remove a scan with DELETE .../scans/{line_no}
    barcode: str
    scan: ScanKind
    sku: str
    name_en: str
    name_ja: str
    unit: Unit
    quantity: int  # pieces, or grams
    unit_price: Money  # per piece, or per kilogram
    amount: Money  # tax included
    tax_rate_pct: int
    allergens: list[Allergen]


class CartPayment(msgspec.Struct, frozen=True, kw_only=True):
    intent_id: str
    client_secret: str | None  # for the app's Stripe SDK, while the cart is being paid


class CartView(msgspec.Struct, frozen=True, kw_only=True):
    cart_id: str
    store_id: str
    status: CartStatus  # open (scanning), paying (lines frozen), paid
    opened_at: datetime
    lines: list[CartLineView]
    total: Money  # tax included
    taxes: list[TaxSubtotal]  # per rate: its lines' total and the tax in it
    payment: CartPayment | None
    paid_at: datetime | None
    sale_id: str | None
    exit: ExitCode | None  # shown at the door once paid, until a cashier has let it out


class ExitChecked(msgspec.Struct, frozen=True, kw_only=True):
    """What the cashier at the door compares with the bag."""

    cart_id: str
    line_count: int  # items scanned into the cart (one per scan), removed ones not counted
    total: Money
    paid_at: datetime


def cart_view(cart: db.CartRow, lines: Sequence[db.CartLine], exit: ExitCode | None) -> CartView:
    def money(amount: int) -> Money:
        return Money(amount, cart.currency)

    payment = None
    if cart.payment_intent_id is not None:
        secret = cart.client_secret if cart.status == "paying" else None
        payment = CartPayment(intent_id=cart.payment_intent_id, client_secret=secret)
    return CartView(
        cart_id=cart.cart_id,
        store_id=cart.store_id,
        status=cart.status,
        opened_at=cart.opened_at,
        lines=[
            CartLineView(
                line_no=x.line_no,
                barcode=x.barcode,
                scan=x.scan,
                sku=x.sku,
                name_en=x.name_en,
                name_ja=x.name_ja,
                unit=x.unit,
                quantity=x.quantity,
                unit_price=money(x.unit_price),
                amount=money(x.amount),
                tax_rate_pct=RATES[x.tax_class],
                allergens=x.allergens,
            )
            for x in lines
        ],
        total=money(sum(x.amount for x in lines)),
        taxes=tax_subtotals(((x.tax_class, x.amount) for x in lines), cart.currency),
        payment=payment,
        paid_at=cart.paid_at,
        sale_id=cart.sale_id,
        exit=exit,
    )
