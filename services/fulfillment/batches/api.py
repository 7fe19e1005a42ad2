"""Batches' HTTP API: the picker's commands from a handheld.

Every command takes an Idempotency-Key (a handheld replays its queue after losing signal) and,
from a handheld, Device-Id and Device-Seq. Staff reach only their own store's batches, and a
picker only their own batch.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from services.fulfillment.batches import claiming, packing, parking, picking
from services.fulfillment.batches.devices import Handheld, command, provide_handheld
from services.fulfillment.batches.packing import BagCount
from services.fulfillment.batches.views import BatchView
from services.fulfillment.deps import BatchPolicy, Substitutes
from shared.auth import Role
from shared.limits import BIGINT_MAX, INT_MAX
from shared.web.access import allow
from shared.web.deps import Caller, Now, Tx
from shared.web.openapi import example

HANDHELD = {"handheld": Provide(provide_handheld)}
Device = NamedDependency[Handheld]  # the command's Device-Id, Device-Seq and key


class ScanBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    barcode: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    tote: Annotated[int, msgspec.Meta(ge=1, le=INT_MAX)]


class ShortBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    found: Annotated[int, msgspec.Meta(ge=0, le=BIGINT_MAX)]  # pieces, or grams for weighed items


class PackBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    bags: list[BagCount]


@post(
    "/v1/stores/{store_id:str}/batches/claim",
    guards=[allow(Role.PICKER)],
    tags=["picking"],
    operation_id="claimBatch",
    dependencies=HANDHELD,
    status_code=200,
)
async def claim_batch(
    request: Request,
    store_id: FromPath[str],
    conn: Tx,
    clock: Now,
    principal: Caller,
    handheld: Device,
    policy: BatchPolicy,
) -> Response[claiming.Claimed]:
    """The picker's next batch (the one they hold, if any): up to N orders of one zone, due
    first, chosen to share the walk; `batch` is null when nothing is queued."""
    return await command(
        conn,
        request,
        principal,
        handheld,
        now=clock.now(),
        run=lambda: claiming.claim(conn, clock, principal, policy),
    )


@get(
    "/v1/batches/{batch_id:str}",
    guards=[allow(Role.PICKER)],
    tags=["picking"],
    operation_id="getBatch",
)
async def get_batch(
    batch_id: FromPath[str], conn: Tx, clock: Now, principal: Caller, policy: BatchPolicy
) -> BatchView:
    """The picker's batch as the screen shows it (reading it renews the lease)."""
    return await claiming.view(conn, clock, principal, batch_id, policy)


@post(
    "/v1/batches/{batch_id:str}/heartbeat",
    guards=[allow(Role.PICKER)],
    tags=["picking"],
    operation_id="renewLease",
    status_code=200,
)
async def heartbeat(
    batch_id: FromPath[str], conn: Tx, clock: Now, principal: Caller, policy: BatchPolicy
) -> BatchView:
    """Keep the lease while the picker walks without scanning (changes nothing else)."""
    return await claiming.view(conn, clock, principal, batch_id, policy)


SCAN_EXAMPLE = example(
    ScanBody,
    {"barcode": "4900000100013", "tote": 1},
    "A cabbage into the first tote",
)


@post(
    "/v1/batches/{batch_id:str}/scans",
    guards=[allow(Role.PICKER)],
    tags=["picking"],
    operation_id="scanItem",
    dependencies=HANDHELD,
    status_code=200,
)
async def scan_item(
    request: Request,
    batch_id: FromPath[str],
    data: Annotated[ScanBody, SCAN_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    handheld: Device,
    policy: BatchPolicy,
) -> Response[picking.ScanResult]:
    """Count a scanned item into a tote: EAN-13/UPC-A, or a scale label (weight or price).
    A wrong item is a 422 naming the item expected; one too many is a 409."""
    return await command(
        conn,
        request,
        principal,
        handheld,
        now=clock.now(),
        run=lambda: picking.scan(
            conn,
            clock,
            principal,
            policy,
            batch_id=batch_id,
            barcode=data.barcode,
            tote=data.tote,
            device_id=handheld.device_id,
        ),
    )


SHORT_EXAMPLE = example(
    ShortBody,
    {"found": 1},
    "One of the two ordered was on the shelf",
)


@post(
    "/v1/batches/{batch_id:str}/lines/{line_id:str}/short",
    guards=[allow(Role.PICKER)],
    tags=["picking"],
    operation_id="reportShort",
    dependencies=HANDHELD,
    status_code=200,
)
async def report_short(
    request: Request,
    batch_id: FromPath[str],
    line_id: FromPath[str],
    data: Annotated[ShortBody, SHORT_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    handheld: Device,
    policy: BatchPolicy,
    substitutes: Substitutes,
) -> Response[picking.ShortResult]:
    """Found less than the line needs: a substitute is proposed to the shopper by the line's
    preference (same category, nearest price, in stock), or the line stays short."""
    return await command(
        conn,
        request,
        principal,
        handheld,
        now=clock.now(),
        run=lambda: picking.report_short(
            conn,
            clock,
            principal,
            policy,
            substitutes,
            batch_id=batch_id,
            line_id=line_id,
            found=data.found,
        ),
    )


PACK_EXAMPLE = example(
    PackBody,
    {"bags": [{"zone": "chilled", "count": 1}]},
    "The chilled goods in one bag",
)


@post(
    "/v1/batches/{batch_id:str}/orders/{order_id:str}/pack",
    guards=[allow(Role.PICKER)],
    tags=["picking"],
    operation_id="packOrder",
    dependencies=HANDHELD,
    status_code=200,
)
async def pack_order(
    request: Request,
    batch_id: FromPath[str],
    order_id: FromPath[str],
    data: Annotated[PackBody, PACK_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    handheld: Device,
    policy: BatchPolicy,
) -> Response[packing.PackResult]:
    """Bag an order's tote (bags per zone, a QR label each); the last zone packed sends
    `order.packed`, and a pickup order gets a staging slot."""
    return await command(
        conn,
        request,
        principal,
        handheld,
        now=clock.now(),
        run=lambda: packing.pack(
            conn,
            clock,
            principal,
            policy,
            batch_id=batch_id,
            order_id=order_id,
            bags=data.bags,
        ),
    )


@post(
    "/v1/batches/{batch_id:str}/orders/{order_id:str}/park",
    guards=[allow(Role.PICKER)],
    tags=["picking"],
    operation_id="parkTote",
    dependencies=HANDHELD,
    status_code=200,
)
async def park_tote(
    request: Request,
    batch_id: FromPath[str],
    order_id: FromPath[str],
    conn: Tx,
    clock: Now,
    principal: Caller,
    handheld: Device,
    policy: BatchPolicy,
) -> Response[parking.ParkResult]:
    """Put an order's tote on the parking shelf while its shopper decides on a substitute, and
    go on: it leaves the batch for the queue, claimable once decided (the picker holding the
    batch; a tote with items still to pick is a 409)."""
    return await command(
        conn,
        request,
        principal,
        handheld,
        now=clock.now(),
        run=lambda: parking.park(
            conn, clock, principal, policy, batch_id=batch_id, order_id=order_id
        ),
    )


ROUTES = [claim_batch, get_batch, heartbeat, scan_item, report_short, pack_order, park_tote]
