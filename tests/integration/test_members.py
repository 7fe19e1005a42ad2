"""Members over HTTP: phone sign-up with a one-time code, the member's own record, and the
member QR code a till scans."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta

import asyncpg
import pytest

from shared.auth import Role
from tests.integration.apps import bearer, client

PHONE = "+819012345678"
PROD = {"env": "prod", "jwt_secret": "x" * 40}


class ClockHand:
    """Moves the app's clock (the one instance every handler gets) by hand."""

    def __init__(self, app, monkeypatch):
        self.now = app.state.clock.now()
        monkeypatch.setattr(app.state.clock, "now", lambda: self.now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Outbox:
    """A notifier that keeps what it was asked to send."""

    def __init__(self):
        self.sent: list[tuple[str, str]] = []

    async def send_code(self, phone: str, code: str) -> None:
        self.sent.append((phone, code))


async def ask_code(c, phone: str = PHONE) -> str:
    response = await c.post("/v1/members/otp", json={"phone": phone})
    assert response.status_code == 200, response.text
    return response.json()["dev_code"]


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def verify(c, code: str, phone: str = PHONE, headers: dict | None = None):
    """Sign up or in with `code`; each call with a key of its own unless headers are given."""
    body = {"phone": phone, "code": code}
    return c.post("/v1/members/verify", json=body, headers=key() if headers is None else headers)


def other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


async def fetch(database: str, query: str, *args):
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetchrow(query, *args)
    finally:
        await conn.close()


async def test_phone_sign_up_gives_a_member_and_a_working_shopper_token(database):
    async with client("orders", database) as c:
        code = await ask_code(c)
        verified = await verify(c, code)
        body = verified.json()
        me = await c.get("/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert verified.status_code == 200
    assert body["created"] is True
    assert body["member_id"].startswith("mem_") and len(body["member_id"]) == 36
    assert me.status_code == 200
    assert me.json()["member_id"] == body["member_id"]
    assert me.json()["phone"] == PHONE
    stored = await fetch(database, "SELECT code_hash FROM orders.member_codes")
    assert code.encode() not in bytes(stored["code_hash"])  # only a hash of the code is kept


async def test_signing_in_again_with_the_same_phone_finds_the_same_member(database):
    async with client("orders", database) as c:
        first = await verify(c, await ask_code(c))
        again = await verify(c, await ask_code(c))
    assert (first.json()["created"], again.json()["created"]) == (True, False)
    assert first.json()["member_id"] == again.json()["member_id"]


async def test_wrong_tries_are_counted_and_the_sixth_is_refused_even_with_the_right_code(database):
    async with client("orders", database) as c:
        code = await ask_code(c)
        wrong = [await verify(c, other(code)) for _ in range(5)]
        sixth = await verify(c, code)
    assert [r.status_code for r in wrong] == [422] * 5
    assert [r.json()["field"] for r in wrong] == ["code"] * 5
    assert wrong[0].json()["detail"] == "wrong code; 4 tries left"
    assert sixth.status_code == 422
    assert sixth.json()["field"] == "code"
    assert "dead" in sixth.json()["detail"]
    row = await fetch(database, "SELECT attempts, used_at FROM orders.member_codes")
    assert (row["attempts"], row["used_at"]) == (5, None)
    assert (await fetch(database, "SELECT count(*) FROM orders.members"))[0] == 0


async def test_a_new_code_replaces_the_previous_one(database):
    async with client("orders", database) as c:
        old = await ask_code(c)
        new = await ask_code(c)
        if old == new:  # one chance in a million
            new = await ask_code(c)
        stale = await verify(c, old)
        fresh = await verify(c, new)
    assert stale.status_code == 422
    assert fresh.status_code == 200


async def test_expired_code_is_refused(database, monkeypatch):
    async with client("orders", database) as c:
        hand = ClockHand(c.app, monkeypatch)
        code = await ask_code(c)
        hand.advance(minutes=5)
        late = await verify(c, code)
    assert late.status_code == 422
    assert late.json()["field"] == "code"
    assert "expired" in late.json()["detail"]


async def test_code_is_single_use(database):
    async with client("orders", database) as c:
        code = await ask_code(c)
        first = await verify(c, code)
        replay = await verify(c, code)
    assert first.status_code == 200
    assert replay.status_code == 422
    assert replay.json()["field"] == "code"
    assert "used" in replay.json()["detail"]


async def test_concurrent_verifies_of_one_code_sign_up_once(database):
    async with client("orders", database) as c:
        code = await ask_code(c)
        responses = await asyncio.gather(*(verify(c, code) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [200, 422, 422, 422]
    assert (await fetch(database, "SELECT count(*) FROM orders.members"))[0] == 1


async def test_a_verification_repeated_with_its_key_answers_the_same_and_creates_one_member(
    database,
):
    same = {"Idempotency-Key": "verify-0001"}
    async with client("orders", database) as c:
        code = await ask_code(c)
        first = await verify(c, code, headers=same)
        again = await verify(c, code, headers=same)  # the app lost the first answer
        keyless = await verify(c, code, headers={})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert keyless.status_code == 400 and keyless.json()["field"] == "Idempotency-Key"
    assert (await fetch(database, "SELECT count(*) FROM orders.members"))[0] == 1


async def test_a_wrong_code_does_not_hold_its_key(database):
    same = {"Idempotency-Key": "verify-0002"}
    async with client("orders", database) as c:
        code = await ask_code(c)
        wrong = await verify(c, other(code), headers=same)
        right = await verify(c, code, headers=same)
    assert (wrong.status_code, right.status_code) == (422, 200)
    row = await fetch(database, "SELECT attempts FROM orders.member_codes")
    assert row["attempts"] == 1  # the wrong try was counted all the same


async def test_a_phone_gets_at_most_five_codes_an_hour(database, monkeypatch):
    async with client("orders", database) as c:
        hand = ClockHand(c.app, monkeypatch)
        for _ in range(5):
            await ask_code(c)
            hand.advance(minutes=1)
        sixth = await c.post("/v1/members/otp", json={"phone": PHONE})
        other_phone = await c.post("/v1/members/otp", json={"phone": "+819099999999"})
        hand.advance(minutes=55)  # the first send is now an hour old
        later = await c.post("/v1/members/otp", json={"phone": PHONE})
    assert sixth.status_code == 429
    problem = sixth.json()
    assert (problem["type"], problem["field"]) == ("urn:omo:problem:too-many-requests", "phone")
    assert problem["retry_after_s"] == 55 * 60
    assert other_phone.status_code == 200
    assert later.status_code == 200


async def test_refused_send_leaves_the_previous_code_working(database, monkeypatch):
    async with client("orders", database) as c:
        for _ in range(5):
            code = await ask_code(c)
        assert (await c.post("/v1/members/otp", json={"phone": PHONE})).status_code == 429
        verified = await verify(c, code)
    assert verified.status_code == 200


@pytest.mark.parametrize("phone", ["09012345678", "+81 90 1234 5678", "+8190", "+0123456789"])
async def test_a_phone_not_in_e164_is_refused(database, phone):
    async with client("orders", database) as c:
        response = await c.post("/v1/members/otp", json={"phone": phone})
    assert response.status_code == 400
    assert response.json()["field"] == "phone"


@pytest.fixture
def member_log():
    """What the members feature logs (Litestar reconfigures the root logger, so no caplog)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("omo.members")
    logger.addHandler(handler)
    level, logger.level = logger.level, logging.DEBUG
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_in_prod_the_code_is_sent_and_not_returned(database, member_log):
    async with client("orders", database, **PROD) as c:
        response = await c.post("/v1/members/otp", json={"phone": PHONE})
    assert response.status_code == 200
    assert "dev_code" not in response.json()
    assert [r.getMessage() for r in member_log] == ["sending code to +81********78"]


async def test_in_prod_the_plugged_notifier_delivers_a_code_that_signs_in(database):
    outbox = Outbox()
    async with client("orders", database, **PROD) as c:
        c.app.state.notifier = outbox
        await c.post("/v1/members/otp", json={"phone": PHONE})
        [(phone, code)] = outbox.sent
        verified = await verify(c, code, phone)
        me = await c.get("/v1/me", headers={"Authorization": f"Bearer {verified.json()['token']}"})
    assert verified.status_code == 200
    assert me.json()["phone"] == PHONE


async def test_a_shopper_token_for_no_member_is_a_404(database):
    async with client("orders", database) as c:
        me = await c.get("/v1/me", headers=bearer(Role.SHOPPER, member="mem_nobody"))
        qr = await c.get("/v1/me/member-code", headers=bearer(Role.SHOPPER, member="mem_nobody"))
    assert me.status_code == qr.status_code == 404


async def sign_up(c) -> tuple[str, dict]:
    verified = await verify(c, await ask_code(c))
    body = verified.json()
    return body["member_id"], {"Authorization": f"Bearer {body['token']}"}


CASHIER = bearer(Role.CASHIER, store="kobe-sannomiya")
CHECK = "/v1/stores/kobe-sannomiya/member-codes/verify"


async def test_a_till_reads_the_member_from_their_member_code(database):
    async with client("orders", database) as c:
        member_id, shopper = await sign_up(c)
        qr = await c.get("/v1/me/member-code", headers=shopper)
        checked = await c.post(CHECK, json={"payload": qr.json()["payload"]}, headers=CASHIER)
        manager = await c.post(
            CHECK,
            json={"payload": qr.json()["payload"]},
            headers=bearer(Role.MANAGER, store="kobe-sannomiya"),
        )
    assert qr.status_code == 200
    assert qr.json()["payload"].startswith(f"OMOM1.{member_id}.")
    expires_at = datetime.fromisoformat(qr.json()["expires_at"])
    assert qr.json()["payload"].split(".")[2] == str(int(expires_at.timestamp()))
    assert checked.status_code == manager.status_code == 200
    assert checked.json() == {"member_id": member_id}


async def test_an_expired_member_code_is_refused_at_the_till(database, monkeypatch):
    async with client("orders", database) as c:
        hand = ClockHand(c.app, monkeypatch)
        _, shopper = await sign_up(c)
        payload = (await c.get("/v1/me/member-code", headers=shopper)).json()["payload"]
        hand.advance(seconds=61)
        checked = await c.post(CHECK, json={"payload": payload}, headers=CASHIER)
    assert checked.status_code == 422
    assert (checked.json()["field"], checked.json()["detail"]) == ("member_code", "expired")


async def test_a_member_code_from_another_deployment_is_refused(database):
    async with client("orders", database, **PROD) as c:
        outbox = Outbox()
        c.app.state.notifier = outbox
        await c.post("/v1/members/otp", json={"phone": PHONE})
        verified = await verify(c, outbox.sent[0][1], PHONE)
        token = verified.json()["token"]
        qr = await c.get("/v1/me/member-code", headers={"Authorization": f"Bearer {token}"})
    async with client("orders", database) as c:  # same database, the development secret
        checked = await c.post(CHECK, json={"payload": qr.json()["payload"]}, headers=CASHIER)
    assert checked.status_code == 422
    assert checked.json()["detail"] == "not signed by us"


async def test_cashier_of_another_store_may_not_check_member_codes(database):
    async with client("orders", database) as c:
        _, shopper = await sign_up(c)
        payload = (await c.get("/v1/me/member-code", headers=shopper)).json()["payload"]
        elsewhere = await c.post(
            CHECK, json={"payload": payload}, headers=bearer(Role.CASHIER, store="osaka-umeda")
        )
        shopper_try = await c.post(CHECK, json={"payload": payload}, headers=shopper)
    assert elsewhere.status_code == 403
    assert shopper_try.status_code == 403


async def test_garbage_at_the_till_is_not_a_member_code(database):
    async with client("orders", database) as c:
        checked = await c.post(CHECK, json={"payload": "4901234567894"}, headers=CASHIER)
    assert checked.status_code == 422
    assert (checked.json()["field"], checked.json()["detail"]) == (
        "member_code",
        "not a member code",
    )
