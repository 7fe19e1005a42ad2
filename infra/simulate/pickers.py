"""Pickers on the handheld API: claim a batch, scan what the screen asks for at a steady pace,
now and then find a shelf empty, wait for the shopper's decision, pack, claim the next."""

from __future__ import annotations

import logging
import math

from infra.simulate.world import World, key
from shared.auth import Role
from shared.barcodes import ean13

log = logging.getLogger("omo.simulate")
IDLE_S, WAIT_S = 5.0, 10.0


def bagging(tote: dict, lines_per_bag: int) -> dict:
    """How a packer bags a tote by the store's rule: into the roomiest bag of the order the
    screen offers to share (an earlier zone of the same cold-chain group), and what does not
    fit into new bags."""
    lines = tote["lines"]
    shared = max(tote["share"], key=lambda b: b["room"], default=None)
    if shared is None or lines == 0:  # nothing found: the empty tote still gets its bag
        return {"count": max(1, math.ceil(lines / lines_per_bag))}
    rest = max(0, lines - shared["room"])
    return {"count": math.ceil(rest / lines_per_bag), "into": shared["code"]}


def weight_label(ean: str, grams: int) -> str:
    """A scale's label: prefix 20, the product's PLU (as the demo numbers it), the grams."""
    return ean13(f"20{ean[7:12]}{grams:05d}")


class Picker:
    def __init__(self, world: World, picker_id: str) -> None:
        self.world = world
        self.me = world.staff(Role.PICKER, picker_id)
        self.rng = world.rng(picker_id)
        self.eans = {p["sku"]: p["ean"] for p in world.catalog}
        self.due = 0.0  # store time the current step of work is done

    async def _post(self, path: str, body: dict) -> dict | None:
        w = self.world
        r = await w.http.post(w.url("fulfillment", path), json=body, headers={**self.me, **key()})
        if r.status_code != 200:
            w.tally[f"picker calls refused ({r.status_code})"] += 1
            log.debug("picker %s %s: %s", path, r.status_code, r.text)
            return None
        return r.json()

    async def _view(self, batch_id: str) -> dict | None:
        w = self.world
        r = await w.http.get(w.url("fulfillment", f"/v1/batches/{batch_id}"), headers=self.me)
        return r.json() if r.status_code == 200 else None

    async def run(self) -> None:
        w = self.world
        while not w.done.is_set():
            claimed = await self._post(f"/v1/stores/{w.store_id}/batches/claim", {})
            batch = claimed and claimed["batch"]
            if not batch:
                await w.nap(IDLE_S)
                continue
            await self.work(batch)

    async def work(self, batch: dict) -> None:
        w, sc = self.world, self.world.scenario
        bid = batch["batch_id"]
        failures = 0
        self.due = w.clock.now().timestamp()
        while batch and not w.done.is_set():
            step, item = batch["next"], batch["current"]
            result = None
            if step == "pick" and item:
                short = not item["substitute"] and self.rng.random() < sc.short_share
                if short or failures >= 3:
                    w.tally["shortages reported"] += 1
                    await self.work_for(sc.seconds_per_item)
                    path = f"/v1/batches/{bid}/lines/{item['line_id']}/short"
                    result = await self._post(path, {"found": item["picked"]})
                else:
                    await self.work_for(sc.seconds_per_item)
                    result = await self._post(
                        f"/v1/batches/{bid}/scans",
                        {"barcode": self._barcode(item), "tote": item["tote"]},
                    )
                failures = 0 if result else failures + 1
            elif step == "pack":
                # One tote a step, bagged by what the handheld's live screen offers when the
                # goods go in: the bags packed until then, by this picker or by another
                # packing another zone of the order. A list read once before the batch's
                # packing missed those (3.05 bags an order at hema-peak where the same rule
                # packed as it goes gives 2.35, and a rider's box takes fewer orders).
                tote = next(t for t in batch["totes"] if t["status"] == "ready_to_pack")
                await self.work_for(sc.pack_seconds)
                now = await self._view(bid)
                tote = next(
                    (t for t in (now or batch)["totes"] if t["order_id"] == tote["order_id"]), tote
                )
                bags = [{"zone": batch["zone"], **bagging(tote, batch["lines_per_bag"])}]
                path = f"/v1/batches/{bid}/orders/{tote['order_id']}/pack"
                result = await self._post(path, {"bags": bags})
            elif step == "wait":
                await w.nap(WAIT_S)  # the shopper decides; reading the batch keeps the lease
                self.due = w.clock.now().timestamp()  # work starts again from here
            else:
                return
            view = result["batch"] if result else await self._view(bid)
            if view is None:
                return
            batch = view

    async def work_for(self, seconds: float) -> None:
        """`seconds` of work since the last step ended by the clock: the handheld's answer
        comes within them, not on top of them (a call slower than the step adds its excess)."""
        w = self.world
        self.due = max(self.due + seconds, w.clock.now().timestamp())
        await w.nap_until(self.due)

    def _barcode(self, item: dict) -> str:
        ean = self.eans.get(item["sku"], "")
        if item["unit"] != "kg":
            return ean
        left = item["quantity"] - item["picked"]
        grams = max(1, round(left * self.rng.uniform(0.97, 1.08)))
        return weight_label(ean, min(grams, 99_999))
