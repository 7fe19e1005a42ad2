"""The till's HTTP API: a cashier rings up a basket, which may go home by rider."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, post
from litestar.params import FromPath

from services.orders.deps import Quotes
from services.orders.till import service
from services.orders.till.domain import SaleReceipt, SaleRequest
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Caller, Now, Secret, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example

TILL = [allow(Role.CASHIER, Role.MANAGER)]


SALE_EXAMPLE = example(
    SaleRequest,
    {
        "barcodes": ["4900000100013", "4900000100020"],
        "tender": {"kind": "cash", "received": {"amount": 1000, "currency": "JPY"}},
    },
    "Two items paid in cash",
)


@post("/v1/stores/{store_id:str}/sales", guards=TILL, tags=["sales"], operation_id="ringUpSale")
async def ring_up(
    request: Request,
    store_id: FromPath[str],
    data: Annotated[SaleRequest, SALE_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
    quotes: Quotes,
    secret: Secret,
) -> Response[SaleReceipt]:
    """Ring up a basket at the till (the store's cashiers and manager): the receipt.

    Scans are EAN-13 or UPC-A codes (a repeat is another piece) or the store's weight and price
    labels. The till sells what the customer holds: stock never refuses a sale, even of a unit an
    online order reserved. A `member_code` from the member's app attaches them; `deliver_to`
    sends the bagged basket home by rider as a packed delivery order. 422 naming `barcodes[i]`,
    `member_code` or `tender.received`; nothing is written then. A basket going home takes the
    promise delivery makes for it now (later than 30 minutes when that is the truth): 422
    `no-promise` naming `deliver_to` when there is none (no rider on shift)."""
    promised = None
    if data.deliver_to is not None:  # before anything is written or locked
        promised = await quotes.quote(
            store_id=store_id,
            lat=data.deliver_to.lat,
            lng=data.deliver_to.lng,
            pickup=False,
            packed=True,
        )
    return await once(
        conn,
        request,
        caller=principal.subject,
        key=idempotency_key,
        create=lambda: service.sell(
            conn,
            clock,
            store_id=store_id,
            cashier=principal.subject,
            secret=secret,
            request=data,
            promised=promised,
        ),
    )


ROUTES = [ring_up]
