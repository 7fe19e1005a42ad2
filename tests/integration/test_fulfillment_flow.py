"""An order from the app to the bags: the shopper pays, a picker picks with a shortage, the
shopper approves the substitute in the app, the picker packs, and orders charges what was packed."""

from __future__ import annotations

import uuid

from tests.eventually import eventually
from tests.integration.apps import client, metric
from tests.integration.conftest import serving
from tests.integration.picking import PRODUCTS, claim, command, handle_all, pick_all, scan
from tests.integration.shopping import CABBAGE, POTATOES, SHOPPER, place_and_pay, settled


async def test_an_order_is_picked_substituted_packed_and_charged_as_packed(
    orders, database, stripe_url
):
    view = await place_and_pay(
        orders,
        {"sku": CABBAGE, "quantity": 2, "substitution": "any"},
        {"sku": POTATOES, "grams": 500},
    )
    order_id = view["order_id"]
    await handle_all(database)  # order.placed reaches fulfillment
    with serving("orders", database_url=database, stripe_api_base=stripe_url) as orders_url:
        async with client("fulfillment", database, orders_url=orders_url) as c:
            short = {"store": "kobe-sannomiya", "outcome": "substitute_proposed"}
            shortages = await metric(c, "omo_shortages_total", **short)
            said = {"store": "kobe-sannomiya", "approved": "true", "by": "shopper"}
            answers = await metric(orders, "omo_substitutions_decided_total", **said)
            batch = await claim(c)
            assert (await scan(c, batch, PRODUCTS[CABBAGE].ean, 1)).status_code == 200
            cabbage = next(i["line"] for i in batch["items"] if i["line"]["sku"] == CABBAGE)
            r = await c.post(
                f"/v1/batches/{batch['batch_id']}/lines/{cabbage['line_id']}/short",
                json={"found": 1},
                headers=command(),
            )
            proposed = r.json()["proposed"]
            # The handheld gets why as codes, to word in the picker's language.
            assert [w["code"] for w in proposed["why"]] == ["same_kind", "cheaper"]
            assert await metric(c, "omo_shortages_total", **short) == shortages + 1

            async def proposal_shown():
                shown = (await orders.get(f"/v1/orders/{order_id}", headers=SHOPPER)).json()
                return shown["substitutions"]

            [offer] = await eventually(proposal_shown, "the proposal on the shopper's order")
            assert offer["sku"] == proposed["sku"] == "SKU-10016" and offer["short_by"] == 1
            # The shopper sees why: Chinese cabbage is cabbage, and a little cheaper; in words,
            # and as codes an app may word itself.
            assert offer["reason"] == "same kind (cabbage); JPY 20 cheaper"
            assert offer["why"] == [
                {"code": "same_kind", "kind": ["cabbage"]},
                {"code": "cheaper", "difference": {"amount": 20, "currency": "JPY"}},
            ]
            # A shopper whose phone prefers Japanese reads the words in Japanese.
            japanese = {**SHOPPER, "Accept-Language": "ja-JP,ja;q=0.9,en;q=0.8"}
            shown = (await orders.get(f"/v1/orders/{order_id}", headers=japanese)).json()
            assert shown["substitutions"][0]["reason"] == "同じ種類、20円安い"
            answer = await orders.post(
                f"/v1/orders/{order_id}/substitutions/{offer['substitution_id']}",
                json={"approve": True},
                headers=japanese,
            )
            assert answer.status_code == 200, answer.text
            assert (answer.json()["approved"], answer.json()["reason"]) == (
                True,
                "同じ種類、20円安い",
            )
            assert await metric(orders, "omo_substitutions_decided_total", **said) == answers + 1

            async def decided():
                await handle_all(database)
                return (await c.get(f"/v1/batches/{batch['batch_id']}", headers=command())).json()

            batch = await pick_all(
                c,
                await eventually(
                    decided,
                    "the decision on the handheld",
                    ok=lambda now: now["current"] and now["current"]["substitute"],
                ),
            )
            packed = await c.post(
                f"/v1/batches/{batch['batch_id']}/orders/{order_id}/pack",
                json={"bags": [{"zone": "produce", "count": 1}]},
                headers={**command(), "Idempotency-Key": str(uuid.uuid4())},
            )
            assert packed.json()["order_packed"] is True

    charged = await settled(orders, order_id)
    lines = {x["sku"]: x for x in charged["lines"]}
    substitute_price = PRODUCTS[proposed["sku"]].price
    assert lines[CABBAGE]["picked"] == 1
    assert lines[CABBAGE]["substituted_by"]["sku"] == proposed["sku"]
    assert lines[CABBAGE]["charged"]["amount"] == PRODUCTS[CABBAGE].price + min(
        substitute_price, PRODUCTS[CABBAGE].price
    )  # the substitute costs at most the missing part
    assert lines[POTATOES]["picked"] == 500
    assert charged["amounts"]["captured"]["amount"] == sum(
        x["charged"]["amount"] for x in charged["lines"]
    )
    # All food: one rate, on what was charged (198 + 178 + 199 yen); 575 x 8/108 = 42.59.
    assert charged["amounts"]["taxes"] == [
        {
            "tax_class": "reduced",
            "rate_pct": 8,
            "total": charged["amounts"]["captured"],
            "tax": {"amount": 42, "currency": "JPY"},
        }
    ]
    assert charged["amounts"]["captured"]["amount"] == 575
