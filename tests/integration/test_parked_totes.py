"""A picker parks a tote whose shopper is deciding on a substitute and goes on; nobody claims it
until the shopper has decided, and whoever does is told who parked it and when."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.integration.picking import (
    AOI,
    PRODUCTS,
    REN,
    claim,
    command,
    decide,
    line,
    paid,
    pick_all,
    scan,
)

CABBAGE, DAIKON = "SKU-10001", "SKU-10002"


@pytest.fixture
async def floor(floor_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=floor_url, timeout=10) as http:
        yield http


def tote_of(batch: dict, order_id: str) -> dict:
    return next(t for t in batch["totes"] if t["order_id"] == order_id)


async def park(http: httpx.AsyncClient, batch: dict, order_id: str, who: dict = AOI):
    return await http.post(
        f"/v1/batches/{batch['batch_id']}/orders/{order_id}/park", headers=command(who)
    )


async def short_with_a_proposal(http: httpx.AsyncClient, batch: dict, order_id: str) -> dict:
    """One cabbage of two in the tote, reported short: a substitute goes to the shopper."""
    cabbage = next(
        i["line"]
        for i in batch["items"]
        if i["line"]["order_id"] == order_id and i["line"]["sku"] == CABBAGE
    )
    r = await scan(http, batch, PRODUCTS[CABBAGE].ean, cabbage["tote"])
    assert r.status_code == 200, r.text
    r = await http.post(
        f"/v1/batches/{batch['batch_id']}/lines/{cabbage['line_id']}/short",
        json={"found": 1},
        headers=command(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["proposed"] is not None
    return r.json()


async def test_a_picker_parks_a_tote_awaiting_the_shopper_and_goes_on_with_the_batch(
    database, floor
):
    deciding = await paid(database, line(1, CABBAGE, 2, substitution="any"))
    other = await paid(database, line(1, DAIKON))
    batch = await claim(floor)
    assert {t["order_id"] for t in batch["totes"]} == {deciding, other}

    shorted = await short_with_a_proposal(floor, batch, deciding)
    substitution_id = next(
        i["line"]["substitute"]["substitution_id"]
        for i in shorted["batch"]["items"]
        if i["state"] == "awaiting_decision"
    )
    # The other tote still has its daikon to pick: it is not waiting on anyone, so not parked.
    early = await park(floor, batch, other)
    assert early.status_code == 409 and early.json()["field"] == "order_id"

    batch = await pick_all(floor, shorted["batch"])
    assert batch["next"] == "pack"
    assert tote_of(batch, deciding)["status"] == "waiting"
    r = await floor.post(
        f"/v1/batches/{batch['batch_id']}/orders/{other}/pack",
        json={"bags": [{"zone": "produce", "count": 1}]},
        headers=command(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["batch"]["next"] == "wait"  # only the shopper's answer is left

    parked = await park(floor, batch, deciding)
    assert parked.status_code == 200, parked.text
    assert parked.json()["tote"] == tote_of(batch, deciding)["tote"]
    after = parked.json()["batch"]
    assert after["next"] == "done" and after["status"] == "done"  # the batch is over
    assert [t["order_id"] for t in after["totes"]] == [other]

    # While the shopper decides, nobody is handed the tote: not its picker, not another.
    assert await claim(floor, REN) is None
    assert await claim(floor) is None

    await decide(database, deciding, 1, substitution_id, approved=True)
    # Decided: the next picker gets it, told who parked it, and picks the substitute.
    resumed = await claim(floor, REN)
    assert resumed is not None
    [tote] = resumed["totes"]
    assert tote["order_id"] == deciding and tote["parked_by"] == "picker-1"
    assert tote["parked_by_name"] == "Aoi Tanaka"
    assert tote["parked_at"] is not None
    assert resumed["current"]["substitute"] is True
    assert resumed["items"][0]["line"]["picked"] == 1  # the cabbage in the tote is kept


async def test_a_tote_nobody_waits_on_is_not_parked_and_a_repeat_parks_once(database, floor):
    deciding = await paid(database, line(1, CABBAGE, 2, substitution="any"))
    batch = await claim(floor)
    plain = await park(floor, batch, deciding)  # nothing asked of the shopper yet
    assert plain.status_code == 409 and "not waiting" in plain.json()["detail"]

    await short_with_a_proposal(floor, batch, deciding)
    headers = command()
    url = f"/v1/batches/{batch['batch_id']}/orders/{deciding}/park"
    first = await floor.post(url, headers=headers)
    again = await floor.post(url, headers=headers)  # a handheld replaying its queue
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    stranger = await floor.post(
        f"/v1/batches/{batch['batch_id']}/orders/{deciding}/park",
        headers={**command(REN), "Idempotency-Key": str(uuid.uuid4())},
    )
    assert stranger.status_code == 403  # another picker's batch
