"""What every agent shares: the HTTP client, the services' clock, tokens, the catalog, tallies."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from infra.seed import STORE
from infra.simulate.scenario import Scenario
from infra.simulate.stack import Stack
from shared.auth import Role, mint


def agent_rng(seed: int, who: str) -> random.Random:
    """Each agent draws from its own stream, so a run's orders do not depend on how the
    agents interleave, and two policies (or modes) on one seed see the same evening."""
    return random.Random(f"{seed}:{who}")


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@dataclass
class World:
    stack: Stack
    scenario: Scenario
    http: httpx.AsyncClient
    catalog: list[dict] = field(default_factory=list)
    tally: Counter = field(default_factory=Counter)
    shoppers: dict[str, str] = field(default_factory=dict)  # order id -> member id
    placed: list[str] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    shopping: set[asyncio.Task] = field(default_factory=set)
    on_shift: set[str] = field(default_factory=set)  # riders who have started their shift
    riders_in: asyncio.Event = field(default_factory=asyncio.Event)  # ... all of them
    store_id: str = STORE.store_id
    store_at: tuple[float, float] = (STORE.lat, STORE.lng)

    def rng(self, who: str) -> random.Random:
        return agent_rng(self.scenario.seed, who)

    @property
    def clock(self):
        return self.stack.clock

    def url(self, service: str, path: str) -> str:
        return self.stack.urls[service] + path

    def bearer(self, role: Role, **claims: Any) -> dict[str, str]:
        token = mint(self.stack.secret, role, **claims)
        return {"Authorization": f"Bearer {token}"}

    def staff(self, role: Role, subject: str) -> dict[str, str]:
        return self.bearer(role, store_id=self.store_id, subject=subject)

    def manager(self) -> dict[str, str]:
        return self.staff(Role.MANAGER, "manager-sim")

    def shopper(self, member_id: str) -> dict[str, str]:
        return self.bearer(Role.SHOPPER, member_id=member_id)

    async def nap(self, seconds: float) -> bool:
        """Sleep `seconds` of store time, or less if the run ends; True if it ended."""
        try:
            await asyncio.wait_for(self.done.wait(), self.clock.real_seconds(seconds))
        except TimeoutError:
            return False
        return True

    async def nap_until(self, at: float) -> bool:
        """Sleep until the store clock reads `at` (a timestamp): a walk or a ride paced by the
        clock, so the calls made on the way do not slow it down."""
        return await self.nap(max(0.0, at - self.clock.now().timestamp()))

    async def load_catalog(self) -> None:
        cursor = None
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = await self.http.get(
                self.url("orders", f"/v1/stores/{self.store_id}/products"), params=params
            )
            page.raise_for_status()
            body = page.json()
            self.catalog += body["items"]
            cursor = body.get("next_cursor")
            if not cursor:
                return
