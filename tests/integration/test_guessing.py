"""Guessing and pumping against the real services over HTTP, many requests at once and from
several client addresses (loopback addresses of their own): PIN sign-in and sign-up codes are
counted under a lock, so no burst is judged beyond its allowance, and a stranger's guesses
never pause the store's own handhelds."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
import httpx

from services.fulfillment.handheld.pins import DEVICE, NEWCOMERS, SOURCE
from tests.integration.conftest import serving
from tests.integration.picking import STORE, command, handle_all, sign_in


@asynccontextmanager
async def from_address(url: str, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose requests come from `address` (any 127.x.y.z is this machine)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    async with httpx.AsyncClient(base_url=url, transport=transport, timeout=30) as c:
        yield c


def statuses(responses: list[httpx.Response]) -> Counter:
    return Counter(r.status_code for r in responses)


async def test_a_burst_of_guesses_is_judged_no_further_than_its_allowance(database, demo):
    await handle_all(database)
    with serving("fulfillment", database_url=database) as url:
        async with from_address(url, "127.0.0.2") as stranger:
            no_device = await asyncio.gather(*(sign_in(stranger, "9999") for _ in range(60)))
        async with from_address(url, "127.0.0.3") as slip:
            one_device = await asyncio.gather(
                *(sign_in(slip, "9999", device="hh-slip") for _ in range(60))
            )
    assert statuses(no_device) == {401: SOURCE.free, 429: 60 - SOURCE.free}
    assert statuses(one_device) == {401: DEVICE.free, 429: 60 - DEVICE.free}
    waited = [r for r in no_device + one_device if r.status_code == 429]
    assert all(int(r.headers["retry-after"]) >= 1 for r in waited)
    assert {r.json()["field"] for r in waited} == {"pin"}


async def test_a_stranger_guessing_pins_cannot_lock_out_the_stores_handhelds(database, demo):
    """The store's handhelds share the store's address with anyone on its network; a stranger
    there, or many strangers elsewhere, guessing with a new device id each time, pause only
    themselves and devices new to the store."""
    await handle_all(database)
    store_network = "127.0.0.4"
    with serving("fulfillment", database_url=database) as url:
        async with from_address(url, store_network) as handheld:
            signed_in = await sign_in(handheld, "1111", device="hh-aoi")
            token = {"Authorization": f"Bearer {signed_in.json()['token']}"}
            claimed = await handheld.post(  # a command: the store now knows this handheld
                f"/v1/stores/{STORE}/batches/claim",
                json={},
                headers=command(token, device_id="hh-aoi", device_seq=1),
            )
            assert claimed.status_code == 200, claimed.text

            async with AsyncExitStack() as others:
                guesses = [
                    sign_in(handheld, f"{n:04d}", device=f"hh-{uuid.uuid4()}") for n in range(60)
                ]
                for n in range(5):
                    elsewhere = await others.enter_async_context(
                        from_address(url, f"127.0.1.{n + 1}")
                    )
                    guesses += [
                        sign_in(elsewhere, f"5{n}{i:02d}", device=f"x-{i}") for i in range(8)
                    ]
                judged = statuses(await asyncio.gather(*guesses))

            aoi_again = await sign_in(handheld, "1111", device="hh-aoi")
            ren = await sign_in(handheld, "2222", device="hh-aoi")  # a picker's handheld, shared
        async with from_address(url, "127.0.2.1") as newcomer:
            new_device = await sign_in(newcomer, "2222", device="hh-new")
    assert judged == {401: NEWCOMERS.free, 429: 100 - NEWCOMERS.free}  # 50 judged of 100
    assert aoi_again.status_code == ren.status_code == 201
    assert (aoi_again.json()["picker_id"], ren.json()["picker_id"]) == ("picker-1", "picker-2")
    assert new_device.status_code == 429  # a device new to the store waits: strangers are busy
    assert "new to this store" in new_device.json()["detail"]


async def code_rows(database: str) -> int:
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetchval("SELECT count(*) FROM orders.member_codes")
    finally:
        await conn.close()


def send_code(c: httpx.AsyncClient, n: int):
    return c.post("/v1/members/otp", json={"phone": f"+8190{n:08d}"})


async def test_codes_are_limited_per_address_and_overall_against_sms_pumping(database):
    with serving("orders", database_url=database, otp_per_minute=25) as url:
        async with from_address(url, "127.0.0.2") as pump:
            burst = await asyncio.gather(*(send_code(pump, n) for n in range(20)))
        assert statuses(burst) == {200: 10, 429: 10}  # 20 phones from one address: 10 codes
        refused = [r for r in burst if r.status_code == 429]
        assert {r.json()["type"] for r in refused} == {"urn:omo:problem:too-many-requests"}
        waits = [int(r.headers["retry-after"]) for r in refused]
        assert all(3500 <= w <= 3600 for w in waits), waits

        async with AsyncExitStack() as stack:
            sends = []
            for i in range(6):
                c = await stack.enter_async_context(from_address(url, f"127.0.3.{i + 1}"))
                sends += [send_code(c, 100 + 10 * i + n) for n in range(5)]
            spread = await asyncio.gather(*sends)
    # 30 phones from six addresses, 5 each: within each address's limit, but the service sends
    # 25 a minute at most, and had sent 10 already.
    assert statuses(spread) == {200: 15, 429: 15}
    assert "this service" in next(r for r in spread if r.status_code == 429).json()["detail"]
    assert await code_rows(database) == 10 + 15  # a refused send stores no code
