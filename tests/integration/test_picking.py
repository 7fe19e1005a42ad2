"""Pickers claim batches under a lease and scan items into totes."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from shared.auth import Role
from tests.integration.apps import bearer, client
from tests.integration.picking import (
    AOI,
    PRODUCTS,
    REN,
    STORE,
    claim,
    command,
    line,
    paid,
    pick_all,
    scan,
    weight_label,
)

CABBAGE, DAIKON, POTATOES, BANANAS = "SKU-10001", "SKU-10002", "SKU-10005", "SKU-10031"


async def test_a_claim_hands_out_one_zone_earliest_first_a_tote_per_order(database, demo):
    soon = await paid(database, line(1, CABBAGE), due_in=timedelta(minutes=25))
    later = [await paid(database, line(1, DAIKON, 2)) for _ in range(5)]
    async with client("fulfillment", database) as c:
        batch = await claim(c)
        assert batch["zone"] == "produce"
        assert [t["tote"] for t in batch["totes"]] == [1, 2, 3, 4]
        assert batch["totes"][0]["order_id"] == soon
        assert {t["order_id"] for t in batch["totes"][1:]} <= set(later)
        assert batch["current"]["name_en"] == PRODUCTS[CABBAGE].name_en
        assert batch["current"]["bin"] == {"aisle": 1, "bay": 1, "shelf": 1}

        again = await claim(c)  # a device that lost the answer asks again: the same batch
        assert again["batch_id"] == batch["batch_id"]

        other = await claim(c, REN)
        taken = {t["order_id"] for t in batch["totes"]}
        assert not taken & {t["order_id"] for t in other["totes"]}


async def test_scans_count_into_totes_and_refuse_wrong_items_with_what_is_expected(database, demo):
    order_id = await paid(database, line(1, CABBAGE, 2), line(2, POTATOES, 500))
    async with client("fulfillment", database) as c:
        batch = await claim(c)
        cabbage = PRODUCTS[CABBAGE].ean

        wrong = await scan(c, batch, PRODUCTS[BANANAS].ean, 1)
        assert wrong.status_code == 422
        assert wrong.headers["content-type"] == "application/problem+json"
        assert wrong.json()["expected"]["sku"] == CABBAGE
        assert "aisle 1, bay 1, shelf 1" in wrong.json()["detail"]

        typo = await scan(c, batch, cabbage[:-1] + str((int(cabbage[-1]) + 1) % 10), 1)
        assert typo.status_code == 422 and typo.json()["field"] == "barcode"
        assert "check digit" in typo.json()["detail"]

        assert (await scan(c, batch, cabbage, 2)).status_code == 422  # no tote 2
        for _ in range(2):
            assert (await scan(c, batch, cabbage, 1)).status_code == 200
        over = await scan(c, batch, cabbage, 1)
        assert over.status_code == 409 and over.json()["type"].endswith("over-pick")

        too_heavy = await scan(c, batch, weight_label(POTATOES, 600), 1)
        assert too_heavy.status_code == 409  # more than 15 % over the 500 g ordered
        weighed = await scan(c, batch, weight_label(POTATOES, 520), 1)
        assert weighed.status_code == 200, weighed.text
        done = weighed.json()["batch"]
        assert done["current"] is None and done["next"] == "pack"
        assert [i["line"]["picked"] for i in done["items"]] == [2, 520]
        assert done["totes"] == [
            {**done["totes"][0], "order_id": order_id, "status": "ready_to_pack"}
        ]


async def test_the_whole_batch_is_picked_by_following_the_screen(database, demo):
    for _ in range(3):
        await paid(database, line(1, CABBAGE), line(2, POTATOES, 400), line(3, "SKU-10031"))
    async with client("fulfillment", database) as c:
        batch = await pick_all(c, await claim(c))
    assert {t["status"] for t in batch["totes"]} == {"ready_to_pack"}
    assert all(i["state"] == "done" for i in batch["items"])


async def test_a_repeated_command_is_applied_once_and_a_stale_one_is_dropped(database, demo):
    await paid(database, line(1, CABBAGE, 3))
    async with client("fulfillment", database) as c:
        batch = await claim(c)
        cabbage = PRODUCTS[CABBAGE].ean
        headers = command(AOI, device_id="hh-7", device_seq=1)
        body = {"barcode": cabbage, "tote": 1}
        url = f"/v1/batches/{batch['batch_id']}/scans"
        first = await c.post(url, json=body, headers=headers)
        replay = await c.post(url, json=body, headers=headers)  # the answer was lost: resent
        assert first.status_code == replay.status_code == 200
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == first.json()
        assert (await scan(c, batch, cabbage, 1, device_id="hh-7", device_seq=3)).status_code == 200
        stale = await scan(c, batch, cabbage, 1, device_id="hh-7", device_seq=2)
        assert stale.status_code == 409 and stale.json()["last_seq"] == 3
        now = (await c.get(url.removesuffix("/scans"), headers=AOI)).json()
        assert now["items"][0]["line"]["picked"] == 2


async def test_a_lapsed_lease_returns_unpicked_lines_to_the_queue_and_nothing_twice(database, demo):
    await paid(database, line(1, CABBAGE, 2))
    async with client("fulfillment", database) as c:
        lost = await claim(c)
        cabbage = PRODUCTS[CABBAGE].ean
        assert (await scan(c, lost, cabbage, 1)).status_code == 200
        conn = await asyncpg.connect(database)
        try:  # the handheld went silent for longer than the lease
            await conn.execute(
                "UPDATE fulfillment.batches SET lease_until = now() - interval '1 second'"
            )
        finally:
            await conn.close()
        taken = await claim(c, REN)
        assert taken["totes"][0]["order_id"] == lost["totes"][0]["order_id"]
        assert taken["current"]["picked"] == 1  # what Aoi picked stays picked
        assert (await scan(c, taken, cabbage, 1, REN)).status_code == 200

        late = await scan(c, lost, cabbage, 1)  # Aoi's device comes back and replays
        assert late.status_code == 409 and late.json()["type"].endswith("lease-lapsed")
        assert "claim a new batch" in late.json()["detail"]
        assert "Ren Suzuki's now" in late.json()["detail"]
        assert late.json()["orders"] == [
            {"order_id": taken["totes"][0]["order_id"], "status": "picked", "picker_id": "picker-2"}
        ]
        assert (await c.get(f"/v1/batches/{taken['batch_id']}", headers=AOI)).status_code == 403


async def test_a_batch_is_only_its_pickers_and_only_in_their_store(database, demo):
    from shared.auth import Role
    from tests.integration.apps import bearer

    await paid(database, line(1, CABBAGE))
    async with client("fulfillment", database) as c:
        batch = await claim(c)
        elsewhere = bearer(Role.PICKER, store="osaka-umeda", subject="picker-1")
        r = await c.get(f"/v1/batches/{batch['batch_id']}", headers=elsewhere)
        assert r.status_code == 404
        r = await c.post(f"/v1/stores/{STORE}/batches/claim", json={}, headers=command(elsewhere))
        assert r.status_code == 403
        nothing = await claim(c, REN)
        assert nothing is None


async def test_a_token_naming_no_registered_picker_changes_nothing(database, demo):
    order_id = await paid(database, line(1, CABBAGE))
    stranger = bearer(Role.PICKER, store=STORE, subject="picker-made-up")
    async with client("fulfillment", database) as c:
        refused = await c.post(
            f"/v1/stores/{STORE}/batches/claim", json={}, headers=command(stranger)
        )
        assert refused.status_code == 403, refused.text
        assert "picker-made-up is not a registered picker" in refused.json()["detail"]
        batch = await claim(c)  # the order is still there for a real picker
        assert [t["order_id"] for t in batch["totes"]] == [order_id]
