"""A placement's SQL, statement for statement, as a pgbench script (bench.orders_pgbench runs it).

`placement` lists every statement the orders service sends PostgreSQL for one POST /v1/orders
that places an order (a shopper's first request with its Idempotency-Key, stock to spare, a
promise from delivery, a gateway that answers at once), in the service's order: the offer's
read with the stock claim, the key's lookup and the deleted-account check (one statement,
committed at once), then one statement storing the order taking the claim over, its
PaymentIntent and the key's answer (committed at once too; no transaction spans two).
Each statement is the service's own query, looked up by name in its queries.sql, never a
copy; tests/integration/test_placement_sql.py records what a real placement sends and fails
if the two lists part. Delivery's quote is delivery's SQL, in another service (and process),
and is not here; nor is the gateway, which sends no SQL.

The values are those the service would send, written in as literals (pgbench cannot bind
arrays or strings), with the ids and the Idempotency-Key made of pgbench's `:id`, fresh each
transaction, so each transaction stores an order of its own, as a placement does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import msgspec

from services.orders.checkout.domain import OrderRequest, Sellable, line_cost, price_lines, totals
from services.orders.checkout.service import CLAIM_S
from services.orders.checkout.store import Q as CHECKOUT
from services.orders.order.store import Q as ORDERS
from services.orders.settings import OrdersSettings
from shared.web.idempotency import TTL

ID = ":id::text"
ORDER_ID = f"('ord_pgb_' || {ID})"
CLAIM_ID = f"('clm_pgb_' || {ID})"
KEY = f"('pgb-' || {ID})"
INTENT_ID = f"('pi_pgb_' || {ID})"
_PARAM = re.compile(r"\$(\d+)\b")


class Step(NamedTuple):
    """One statement: the service's query, and its parameters as SQL expressions (by name for
    a query with named parameters, in order for one written with `$n`)."""

    query: str
    params: Mapping[str, str] | Sequence[str] = ()


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"'\\x{value.hex()}'::bytea"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


def array(values: list, kind: str) -> str:
    return f"ARRAY[{', '.join(literal(v) for v in values)}]::{kind}[]"


def statement(step: Step) -> str:
    """The query with each parameter written in, comment lines dropped, ended by `;`."""
    names = getattr(step.query, "names", None)
    if names is None:
        by_number = dict(enumerate(step.params, start=1))
    else:
        assert isinstance(step.params, Mapping)
        by_number = {n: step.params[p] for n, p in enumerate(names, start=1)}
    lines = [x for x in str(step.query).splitlines() if not x.lstrip().startswith("--")]
    return _PARAM.sub(lambda m: by_number[int(m.group(1))], "\n".join(lines)) + ";"


def script(steps: list[Step]) -> str:
    return "\n".join([r"\set id random(1, 1000000000000000)", *map(statement, steps), ""])


def placement(body: dict, catalog: dict[str, Sellable], member_id: str) -> list[Step]:
    """The statements of a placement of `body` (a POST /v1/orders body) by shopper `member_id`
    (also their token's subject), its store selling `catalog` in yen with a 15 % buffer."""
    request = msgspec.convert(body, OrderRequest)
    lines = price_lines(request, catalog, "JPY")
    sums = totals(lines, 15)
    skus = sorted(x.sku for x in lines)
    amount = {x.sku: x.quantity for x in lines}
    address = request.address
    store, member = literal(request.store_id), literal(member_id)
    service, answer = literal(OrdersSettings.service), msgspec.json.encode(lines)
    offer = Step(
        CHECKOUT["offer"],
        {
            "store_id": store,
            "claim_id": CLAIM_ID,
            "skus": array(skus, "text"),
            "quantities": array([amount[s] for s in skus], "bigint"),
            "expires_at": f"(now() + interval '{CLAIM_S} seconds')",
            "service": service,
            "caller": member,
            "key": KEY,
            "member_id": member,
        },
    )
    order = {
        "store_id": store,
        "order_id": ORDER_ID,
        "member_id": member,
        "idempotency_key": KEY,
        "fulfilment": literal(request.fulfilment),
        "address_text": literal(address and address.text),
        "address_lat": literal(address and address.lat),
        "address_lng": literal(address and address.lng),
        "currency": literal("JPY"),
        "estimate": str(sums.estimate),
        "to_authorize": str(sums.to_authorize),
        "promise_at": "now()",
        "pay_by": "(now() + interval '600 seconds')",
        "created_at": "now()",
        "estimate_each": array(
            [line_cost(x.unit, x.quantity, x.unit_price.amount) for x in lines], "int"
        ),
        "substitution": array([x.substitution for x in lines], "text"),
        "unit_price": array([x.unit_price.amount for x in lines], "int"),
        "tax_class": array([catalog[x.sku].tax_class for x in lines], "text"),
        "payment_intent_id": INTENT_ID,
        "client_secret": f"({INTENT_ID} || '_secret')",
    }
    columns = ["line_no", "sku", "name_en", "name_ja", "zone", "unit", "quantity"]
    kinds = ["int", "text", "text", "text", "text", "text", "bigint"]
    for column, kind in zip(columns, kinds, strict=True):
        order[column] = array([getattr(x, column) for x in lines], kind)
    fingerprint = hashlib.sha256(msgspec.json.encode(body)).digest()
    insert = Step(
        ORDERS["insert_order"],
        {
            **order,
            "claim_id": CLAIM_ID,
            "service": service,
            "caller": member,
            "fingerprint": literal(fingerprint),
            "ttl": f"'{int(TTL.total_seconds())} seconds'",
            "answer_status": "201",
            # About the answer's size: the order view is mostly its lines.
            "answer_body": literal(answer),
            "answer_media_type": literal("application/json"),
        },
    )
    return [offer, insert]
