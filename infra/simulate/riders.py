"""Riders on the delivery app API: on shift, pinging, taking the route they are given, riding
door to door in straight lines (stretched by the detour factor), handing over against the code
the shopper's app shows, and riding back."""

from __future__ import annotations

import logging

from infra.simulate.geo import distance_m
from infra.simulate.world import World, key
from shared.auth import Role

log = logging.getLogger("omo.simulate")
PING_EVERY_S, POLL_S = 15.0, 10.0
SEND_EVERY = 4  # positions per call, as the app batches them (one call a minute on the road)
FAILURES = ("not_home", "not_home", "address_not_found", "refused")


class Rider:
    def __init__(self, world: World, rider_id: str) -> None:
        self.world = world
        self.rider_id = rider_id
        self.me = world.staff(Role.RIDER, rider_id)
        self.rng = world.rng(rider_id)
        self.at = world.store_at
        self.track: list[dict] = []  # positions not sent yet

    async def _post(self, path: str, body: dict, *, idempotent: bool = True) -> bool:
        w = self.world
        headers = {**self.me, **key()} if idempotent else self.me
        r = await w.http.post(w.url("delivery", path), json=body, headers=headers)
        if r.status_code != 200:
            w.tally[f"rider calls refused ({r.status_code})"] += 1
            log.debug("rider %s %s: %s", path, r.status_code, r.text)
        return r.status_code == 200

    def note(self) -> None:
        at = self.world.clock.now().isoformat()
        self.track.append({"lat": self.at[0], "lng": self.at[1], "at": at})

    async def send(self) -> None:
        if self.track:
            pings, self.track = self.track, []
            await self._post("/v1/riders/me/location", {"pings": pings}, idempotent=False)

    async def ping(self) -> None:
        self.note()
        await self.send()

    async def ride(self, to: tuple[float, float]) -> None:
        """Along the straight line at the rider's speed, the time stretched by the detour; each
        position is reached by the clock, however long the calls on the way take."""
        w, sc = self.world, self.world.scenario
        start, left = self.at, w.clock.now().timestamp()
        seconds = distance_m(start, to) * sc.detour / (sc.speed_kmh / 3.6)
        steps = max(1, round(seconds / PING_EVERY_S))
        for i in range(1, steps + 1):
            if await w.nap_until(left + seconds * i / steps):
                return
            f = i / steps
            self.at = (start[0] + (to[0] - start[0]) * f, start[1] + (to[1] - start[1]) * f)
            self.note()
            if len(self.track) >= SEND_EVERY or i == steps:  # arrived: the store sees it now
                await self.send()

    async def run(self) -> None:
        w = self.world
        await self._post("/v1/riders/me/shift", {"store_id": w.store_id, "action": "start"})
        w.on_shift.add(self.rider_id)
        if len(w.on_shift) >= w.scenario.riders:
            w.riders_in.set()
        await self.ping()
        idle = 0.0
        while not w.done.is_set():
            r = await w.http.get(w.url("delivery", "/v1/riders/me/route"), headers=self.me)
            if r.status_code != 200:
                await w.nap(POLL_S)
                idle += POLL_S
                if idle >= 60:  # the phone still reports where the rider waits
                    idle = 0.0
                    await self.ping()
                continue
            await self.deliver(r.json())

    async def deliver(self, route: dict) -> None:
        w, sc = self.world, self.world.scenario
        if self.at != w.store_at:
            await self.ride(w.store_at)
        if route["status"] == "assigned":
            bags = [b for s in route["stops"] if s["kind"] == "collect" for b in s["bags"]]
            if not await self._post(f"/v1/routes/{route['route_id']}/pickup", {"bags": bags}):
                await w.nap(POLL_S)  # the plan may have changed under us: ask again
                return
        for stop in route["stops"]:
            if stop["kind"] != "deliver" or stop["status"] in ("delivered", "failed"):
                continue
            await self.ride((stop["lat"], stop["lng"]))
            if await w.nap(sc.handover_seconds):
                return
            await self.hand_over(stop["order_id"])
        await self.ride(w.store_at)

    async def hand_over(self, order_id: str) -> None:
        w = self.world
        if self.rng.random() < w.scenario.fail_share:
            reason = self.rng.choice(FAILURES)
            await self._post(f"/v1/deliveries/{order_id}/failed", {"reason": reason})
            return
        member = w.shoppers.get(order_id)
        code = None
        if member:  # the shopper shows the code in the app; the rider types it in
            tracking = await w.http.get(
                w.url("delivery", f"/v1/orders/{order_id}/tracking"), headers=w.shopper(member)
            )
            code = tracking.json().get("handover_code") if tracking.status_code == 200 else None
        body = {"code": code} if code else {"photo_ref": f"sim://photo/{order_id}"}
        await self._post(f"/v1/deliveries/{order_id}/delivered", body)
