"""What the handheld's screens read: the home screen (the store in its own language and time
zone, the queue per zone, what is urgent) and the bag labels to print with their QR codes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from shared.auth import Role
from tests.integration.apps import bearer, client
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
    sign_in,
)

CABBAGE, DAIKON, MILK = "SKU-10001", "SKU-10002", "SKU-10049"


async def test_the_home_screen_shows_the_queue_per_zone_and_what_is_urgent(database, demo):
    # The floor's deadline is the promise less the ride (17 minutes): 3 minutes from now.
    soon = await paid(database, line(1, CABBAGE), due_in=timedelta(minutes=20))
    await paid(database, line(1, DAIKON, 2), due_in=timedelta(minutes=40))
    async with client("fulfillment", database) as c:
        r = await c.get("/v1/handheld/home", headers=AOI)
        assert r.status_code == 200, r.text
        home = r.json()
        assert home["store"] == {
            "store_id": STORE,
            "name": "omo Kobe Sannomiya",
            "timezone": "Asia/Tokyo",
            "language": "ja",
        }
        zones = {z["zone"]: z for z in home["zones"]}
        assert set(zones) == {"ambient", "chilled", "frozen", "produce"}
        assert zones["produce"]["queued"] == 2 and zones["produce"]["queued_lines"] == 2
        assert zones["frozen"]["queued"] == 0
        [urgent] = home["urgent"]  # due in 3 minutes; the other has 23
        assert urgent["order_id"] == soon and urgent["picker_id"] is None
        assert urgent["late"] is False
        assert datetime.fromisoformat(urgent["deadline"]) < datetime.fromisoformat(home["at"]) + (
            timedelta(minutes=5)
        )
        assert home["parked"] == [] and home["batch_id"] is None

        batch = await claim(c)
        home = (await c.get("/v1/handheld/home", headers=AOI)).json()
        assert home["batch_id"] == batch["batch_id"]
        produce = next(z for z in home["zones"] if z["zone"] == "produce")
        assert (produce["queued"], produce["in_progress"]) == (1, 1)  # 20 minutes apart
        assert home["urgent"][0]["picker_id"] == "picker-1"  # who has it now

        assert (await c.get("/v1/handheld/home", headers=MANAGER)).status_code == 403
        elsewhere = bearer(Role.PICKER, store="nowhere", subject="picker-1")
        assert (await c.get("/v1/handheld/home", headers=elsewhere)).status_code == 404


async def test_a_token_naming_no_registered_picker_reads_nothing_of_the_floor(database, demo):
    """Commands refuse such a token (test_picking); the screens' reads do as well."""
    await handle_all(database)  # fulfillment learns of the store from store.updated
    stranger = bearer(Role.PICKER, store=STORE, subject="picker-made-up")
    async with client("fulfillment", database) as c:
        for path in ("/v1/handheld/home", "/v1/handheld/events"):
            refused = await c.get(path, headers=stranger)
            assert refused.status_code == 403, (path, refused.text)
            assert "picker-made-up is not a registered picker" in refused.json()["detail"]


async def test_a_signed_in_handheld_learns_the_stores_language_and_time_zone(database, demo):
    await handle_all(database)  # fulfillment learns of the store from store.updated
    async with client("fulfillment", database) as c:
        r = await sign_in(c, "1111")
    assert r.status_code == 201, r.text
    assert r.json()["store"]["timezone"] == "Asia/Tokyo"
    assert r.json()["store"]["language"] == "ja"


async def test_each_packed_bag_has_a_label_with_its_qr_code(database, demo):
    order_id = await paid(database, line(1, CABBAGE), line(2, MILK))
    async with client("fulfillment", database) as c:
        url = f"/v1/stores/{STORE}/orders/{order_id}/labels"
        nothing = await c.get(url, headers=AOI)
        assert nothing.status_code == 404 and nothing.json()["field"] == "order_id"
        for _ in range(2):  # a batch a zone: produce, then chilled
            batch = await pick_all(c, await claim(c))
            zone = batch["zone"]
            r = await c.post(
                f"/v1/batches/{batch['batch_id']}/orders/{order_id}/pack",
                json={"bags": [{"zone": zone, "count": 2 if zone == "produce" else 1}]},
                headers=command(),
            )
            assert r.status_code == 200, r.text
        r = await c.get(url, headers=AOI)
        assert r.status_code == 200, r.text
        labels = r.json()["items"]
        assert [(x["code"], x["number"], x["of"]) for x in labels] == [
            (f"{order_id}-chilled-1", 1, 1),
            (f"{order_id}-produce-1", 1, 2),
            (f"{order_id}-produce-2", 2, 2),
        ]
        assert all(x["qr"].startswith("data:image/svg+xml") for x in labels)
        assert labels[0]["qr"] != labels[1]["qr"]  # each bag's own code
        assert (await c.get(url, headers=MANAGER)).status_code == 200
        other_store = bearer(Role.PICKER, store="osaka-umeda", subject="picker-1")
        assert (await c.get(url, headers=other_store)).status_code == 403


async def test_the_handheld_page_loads_only_its_own_files_and_keeps_them_for_offline(database):
    async with client("fulfillment", database) as c:
        page = await c.get("/handheld")
        references = re.findall(r"""(?:src|href)="([^"]+)\"""", page.text)
        answers = {r: (await c.get(r)).status_code for r in references}
        worker = await c.get("/handheld/sw.js")
        missing = await c.get("/handheld/static/nothing.js")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert sorted(references) == [
        "/handheld/static/handheld.css",
        "/handheld/static/handheld.js",
        "/handheld/static/i18n.js",
    ]
    assert set(answers.values()) == {200}
    # The worker's file sits under /handheld/ and looks after the page at /handheld itself.
    assert worker.status_code == 200 and worker.headers["service-worker-allowed"] == "/handheld"
    assert all(f'"{r}"' in worker.text for r in ["/handheld", *references])
    assert missing.status_code == 404
