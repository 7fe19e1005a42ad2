"""Substitutions' HTTP API: the shopper's decision."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import post
from litestar.params import FromPath

from services.orders.catalog.paging import caller_language
from services.orders.checkout import views
from services.orders.deps import AcceptLanguage
from services.orders.substitutions import service
from services.orders.substitutions.domain import ProposalView
from shared.auth import Role
from shared.web.access import allow
from shared.web.deps import Caller, Now, Tx
from shared.web.openapi import example


class Decision(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    approve: bool


DECISION_EXAMPLE = example(
    Decision,
    {"approve": True},
    "Take the substitute",
)


@post(
    "/v1/orders/{order_id:str}/substitutions/{substitution_id:str}",
    guards=[allow(Role.SHOPPER)],
    tags=["orders"],
    operation_id="decideSubstitution",
    status_code=200,
)
async def decide(
    order_id: FromPath[str],
    substitution_id: FromPath[str],
    data: Annotated[Decision, DECISION_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    accept_language: AcceptLanguage = None,
) -> ProposalView:
    """Approve or decline a proposed substitute (the order's shopper), before its time runs out;
    the answer words its reason as `getOrder` does. A decision, not a creation: deciding twice
    is refused, so no Idempotency-Key."""
    await views.visible_order(conn, principal, order_id)
    return await service.decide_by_shopper(
        conn,
        clock,
        order_id=order_id,
        substitution_id=substitution_id,
        approve=data.approve,
        lang=caller_language(None, accept_language),
    )


ROUTES = [decide]
