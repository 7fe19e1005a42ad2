"""Members' pure rules: one-time codes, their hourly limit, and the member QR code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.orders.members.domain import (
    CODE_WINDOW,
    MAX_CODES_PER_WINDOW,
    MAX_WRONG_TRIES,
    MEMBER_CODE_TTL_S,
    StoredCode,
    TooManyRequests,
    check_send_rate,
    hash_code,
    judge_code,
    mask_phone,
    read_member_code,
    sign_member_code,
    wrong_code_detail,
)
from shared.errors import InvalidInput

SECRET = "s" * 40
PHONE = "+819012345678"
MEMBER = "mem_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c4"
NOW = datetime(2025, 5, 1, 9, 0, tzinfo=UTC)


def stored(code: str = "123456", **overrides) -> StoredCode:
    fields = {
        "code_hash": hash_code(SECRET, PHONE, code),
        "expires_at": NOW + timedelta(minutes=5),
        "attempts": 0,
        "used_at": None,
        **overrides,
    }
    return StoredCode(**fields)


def given(code: str, phone: str = PHONE) -> bytes:
    return hash_code(SECRET, phone, code)


def test_right_code_is_accepted_and_a_wrong_one_is_not():
    assert judge_code(stored(), given("123456"), NOW) == "accepted"
    assert judge_code(stored(), given("123457"), NOW) == "wrong"


def test_a_code_hash_is_bound_to_its_phone_and_secret():
    assert given("123456") != given("123456", phone="+819012345679")
    assert given("123456") != hash_code("t" * 40, PHONE, "123456")
    assert judge_code(stored(), given("123456", phone="+819012345679"), NOW) == "wrong"


def test_code_is_dead_after_five_wrong_tries_even_to_the_right_code():
    assert judge_code(stored(attempts=MAX_WRONG_TRIES - 1), given("123456"), NOW) == "accepted"
    assert judge_code(stored(attempts=MAX_WRONG_TRIES), given("123456"), NOW) == "dead"


def test_code_expires_after_five_minutes():
    assert judge_code(stored(), given("123456"), NOW + timedelta(minutes=4, seconds=59)) == (
        "accepted"
    )
    assert judge_code(stored(), given("123456"), NOW + timedelta(minutes=5)) == "expired"


def test_used_code_and_missing_code_are_refused():
    assert judge_code(stored(used_at=NOW), given("123456"), NOW) == "used"
    assert judge_code(None, given("123456"), NOW) == "none"


def test_wrong_code_detail_counts_down_the_tries_left():
    assert wrong_code_detail(1) == "wrong code; 4 tries left"
    assert wrong_code_detail(4) == "wrong code; 1 try left"
    assert "no tries left" in wrong_code_detail(5)


def test_five_codes_an_hour_are_allowed_and_the_sixth_is_refused():
    sends = [NOW - timedelta(minutes=50 - 10 * i) for i in range(MAX_CODES_PER_WINDOW)]
    check_send_rate(sends, sends[-1])
    with pytest.raises(TooManyRequests) as caught:
        check_send_rate([*sends, NOW], NOW)
    assert caught.value.status == 429 and caught.value.slug == "too-many-requests"
    assert caught.value.field == "phone"
    assert caught.value.extra["retry_after_s"] == 10 * 60  # when the oldest leaves the hour


def test_sends_older_than_an_hour_do_not_count():
    old = [NOW - CODE_WINDOW - timedelta(seconds=1)] * 3
    recent = [NOW - timedelta(minutes=m) for m in (30, 20, 10, 5)]
    check_send_rate([*old, *recent, NOW], NOW)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("+819012345612", "+81********12"), ("+12025550123", "+12*******23")],
)
def test_a_masked_phone_shows_only_the_country_code_and_the_last_two_digits(phone, masked):
    assert mask_phone(phone) == masked


def test_member_code_round_trips_until_it_expires():
    expires = NOW + timedelta(seconds=MEMBER_CODE_TTL_S)
    payload = sign_member_code(SECRET, MEMBER, expires)
    assert payload.startswith(f"OMOM1.{MEMBER}.{int(expires.timestamp())}.")
    assert len(payload) < 100  # fits a small QR code
    assert read_member_code(SECRET, payload, NOW) == MEMBER
    assert read_member_code(SECRET, payload, expires - timedelta(seconds=1)) == MEMBER


def refused(payload: str, now: datetime = NOW, secret: str = SECRET) -> str:
    with pytest.raises(InvalidInput) as caught:
        read_member_code(secret, payload, now)
    assert caught.value.field == "member_code"
    return caught.value.detail


def test_expired_member_code_is_refused():
    expires = NOW + timedelta(seconds=MEMBER_CODE_TTL_S)
    payload = sign_member_code(SECRET, MEMBER, expires)
    assert refused(payload, now=expires) == "expired"
    assert refused(payload, now=expires + timedelta(hours=1)) == "expired"


def test_member_code_signed_with_another_secret_is_refused():
    payload = sign_member_code("t" * 40, MEMBER, NOW + timedelta(seconds=60))
    assert refused(payload) == "not signed by us"


@pytest.mark.parametrize("part", ["member", "expires", "sig"])
def test_tampered_member_code_is_refused(part):
    prefix, member, expires, sig = sign_member_code(
        SECRET, MEMBER, NOW + timedelta(seconds=60)
    ).split(".")
    if part == "member":
        member = member[:-1] + ("0" if member[-1] != "0" else "1")
    elif part == "expires":
        expires = str(int(expires) + 3600)  # a longer life
    else:
        sig = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    assert refused(".".join((prefix, member, expires, sig))) == "not signed by us"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "hello",
        f"OMOM1.{MEMBER}.1746090060",
        f"OMOM2.{MEMBER}.1746090060.AAAAAAAAAAAAAAAAAAAAAA",
        f"OMOM1.{MEMBER}.soon.AAAAAAAAAAAAAAAAAAAAAA",
        f"OMOM1.{MEMBER}.1746090060.short",
        f"OMOM1.{MEMBER}.x.1746090060.AAAAAAAAAAAAAAAAAAAAAA",
        "PICKUP.ord_1.1746090060.AAAAAAAAAAAAAAAAAAAAAA",
    ],
    ids=[
        "empty",
        "text",
        "no-sig",
        "other-version",
        "bad-expiry",
        "short-sig",
        "extra-part",
        "other",
    ],
)
def test_malformed_member_code_is_not_a_member_code(payload):
    assert refused(payload) == "not a member code"
