"""Bags counted as the store packs them: a later zone's goods go into a bag an earlier zone of
the same cold-chain group opened, the cold chain is never broken, and `order.packed` carries
the physical bags."""

from __future__ import annotations

from shared.auth import Role
from shared.events import OrderPacked
from tests.integration.apps import bearer, client
from tests.integration.eventlog import published
from tests.integration.picking import (
    AOI,
    MANAGER,
    STORE,
    claim,
    command,
    handle_all,
    line,
    paid,
    pick_all,
)

RULE = f"/v1/stores/{STORE}/packing-rule"
CHILLED_1, CHILLED_2, FROZEN, PRODUCE = "SKU-10049", "SKU-10050", "SKU-10115", "SKU-10001"


async def pack(c, batch, order_id, **bag):
    return await c.post(
        f"/v1/batches/{batch['batch_id']}/orders/{order_id}/pack",
        json={"bags": [{"zone": batch["zone"], **bag}]},
        headers=command(),
    )


def tote_of(batch: dict, order_id: str) -> dict:
    return next(t for t in batch["totes"] if t["order_id"] == order_id)


async def test_a_later_cold_zone_shares_the_insulated_bag_and_the_order_leaves_in_two_bags(
    database, demo
):
    order_id = await paid(
        database, line(1, CHILLED_1), line(2, CHILLED_2), line(3, FROZEN), line(4, PRODUCE)
    )
    async with client("fulfillment", database) as c:
        opened: dict[str, str] = {}  # zone -> the bag it opened
        for _ in range(3):
            batch = await pick_all(c, await claim(c))
            tote = tote_of(batch, order_id)
            cold = [z for z in opened if z in ("chilled", "frozen")]
            if batch["zone"] == "produce" or not cold:
                assert tote["share"] == []  # nothing of its group is packed: new bags
                r = await pack(c, batch, order_id, count=1)
                assert r.status_code == 200, r.text
                opened[batch["zone"]] = r.json()["labels"][0]["code"]
                continue
            [earlier] = cold
            first_lines = 2 if earlier == "chilled" else 1
            assert tote["share"] == [
                {"code": opened[earlier], "zones": [earlier], "room": 6 - first_lines}
            ]
            assert batch["lines_per_bag"] == 6
            r = await pack(c, batch, order_id, count=0, into=opened[earlier])
            assert r.status_code == 200, r.text
            [label] = r.json()["labels"]  # the shared bag, its label reprinted
            assert label["code"] == opened[earlier]
            assert sorted(label["zones"]) == ["chilled", "frozen"]
            assert f"{earlier}+{batch['zone']}" in label["text"]
    [packed] = await published(database, "order.packed", OrderPacked)
    bags = {b.code: sorted(b.zones) for b in packed.bags}
    assert len(bags) == 2  # one insulated bag, one plain: not one a zone
    assert sorted(bags.values()) == [["chilled", "frozen"], ["produce"]]


async def test_cold_goods_never_share_a_bag_with_produce(database, demo):
    order_id = await paid(database, line(1, CHILLED_1), line(2, PRODUCE))
    async with client("fulfillment", database) as c:
        first = await pick_all(c, await claim(c))
        r = await pack(c, first, order_id, count=1)
        code = r.json()["labels"][0]["code"]
        second = await pick_all(c, await claim(c))
        assert tote_of(second, order_id)["share"] == []
        mixed = await pack(c, second, order_id, count=0, into=code)
        assert mixed.status_code == 422 and mixed.json()["field"] == "bags[0].into", mixed.text
        assert "cold chain" in mixed.json()["detail"]
        nowhere = await pack(c, second, order_id, count=0)
        assert nowhere.status_code == 422 and nowhere.json()["field"] == "bags[0].count"
        unknown = await pack(c, second, order_id, count=1, into="no-such-bag")
        assert unknown.status_code == 422 and unknown.json()["field"] == "bags[0].into"
        assert (await pack(c, second, order_id, count=1)).status_code == 200


async def test_goods_that_do_not_fit_the_shared_bag_need_new_bags(database, demo):
    order_id = await paid(database, line(1, CHILLED_1), line(2, CHILLED_2), line(3, FROZEN))
    async with client("fulfillment", database) as c:
        small = {"groups": [["chilled", "frozen"]], "lines_per_bag": 2}
        assert (await c.put(RULE, json=small, headers=MANAGER)).status_code == 200
        first = await pick_all(c, await claim(c))
        r = await pack(c, first, order_id, count=1)
        code = r.json()["labels"][0]["code"]
        second = await pick_all(c, await claim(c))
        share = tote_of(second, order_id)["share"]
        if first["zone"] == "chilled":  # two lines fill the bag: nothing to share
            assert share == []
            full = await pack(c, second, order_id, count=0, into=code)
            assert full.status_code == 409 and full.json()["field"] == "bags[0].into"
        else:  # one frozen line leaves room for one of the two chilled
            assert share == [{"code": code, "zones": ["frozen"], "room": 1}]
            short = await pack(c, second, order_id, count=0, into=code)
            assert short.status_code == 422 and short.json()["field"] == "bags[0].count"
            r = await pack(c, second, order_id, count=1, into=code)
            assert r.status_code == 200 and len(r.json()["labels"]) == 2, r.text


async def test_only_the_manager_sets_a_packing_rule_that_keeps_the_cold_chain(database, demo):
    await handle_all(database)  # fulfillment learns of the store from store.updated
    async with client("fulfillment", database) as c:
        default = (await c.get(RULE, headers=AOI)).json()
        assert default == {
            "groups": [["chilled", "frozen"], ["ambient", "produce"]],
            "lines_per_bag": 6,
        }
        for groups, field in (
            ([["chilled", "ambient"]], "groups[0]"),
            ([["produce"], ["frozen", "produce"]], "groups[1][1]"),
        ):
            r = await c.put(RULE, json={"groups": groups, "lines_per_bag": 6}, headers=MANAGER)
            assert r.status_code == 422 and r.json()["field"] == field, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
        for bad in ({"lines_per_bag": 0}, {"lines_per_bag": 41}, {"groups": [["warm"]]}):
            r = await c.put(RULE, json={**default, **bad}, headers=MANAGER)
            assert r.status_code == 400 and r.json()["field"].startswith(next(iter(bad))), r.text
        for who in (AOI, bearer(Role.MANAGER, store="osaka-umeda")):
            assert (await c.put(RULE, json=default, headers=who)).status_code == 403
        alone = {"groups": [["chilled", "frozen"]], "lines_per_bag": 10}
        r = await c.put(RULE, json=alone, headers=MANAGER)
        assert r.status_code == 200 and r.json() == alone
        assert (await c.get(RULE, headers=MANAGER)).json() == alone
