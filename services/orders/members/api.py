"""Members' HTTP API: decode a struct, call a use case, encode a struct. No SQL, no rules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath

from services.orders.deps import CodeSender, Settings
from services.orders.members import erasure, service
from services.orders.members.domain import (
    Code,
    Member,
    MemberCode,
    NudgeConsent,
    Phone,
    Registered,
    Registration,
    Verified,
)
from shared.auth import Role
from shared.web.access import PUBLIC, allow, client_address
from shared.web.deps import Caller, Now, Secret, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example


class CodeRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    phone: Phone


class CodeSent(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    phone: str
    expires_at: datetime
    dev_code: str | None = None  # only when OMO_ENV=dev, which has no SMS gateway


class CodeCheck(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    phone: Phone
    code: Code


class MemberCodeCheck(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    payload: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class MemberCodeOwner(msgspec.Struct, frozen=True, kw_only=True):
    member_id: str


CODE_REQUEST_EXAMPLE = example(
    CodeRequest,
    {"phone": "+819012345678"},
    "Send a code to a Japanese mobile",
)


@post(
    "/v1/members/otp",
    opt=PUBLIC,
    status_code=200,
    tags=["members"],
    operation_id="sendMemberCode",
)
async def send_code(
    request: Request,
    data: Annotated[CodeRequest, CODE_REQUEST_EXAMPLE],
    conn: Tx,
    clock: Now,
    secret: Secret,
    settings: Settings,
    notifier: CodeSender,
) -> Response[CodeSent]:
    """Send a one-time 6-digit sign-up code to a phone (anyone). It lasts 5 minutes. A phone
    gets at most 5 codes an hour; a client address and the whole service have limits of their
    own (settings `OMO_ORDERS_OTP_PER_ADDRESS_HOUR`, `OMO_ORDERS_OTP_PER_MINUTE`); beyond
    any of them, 429 with Retry-After.

    An action, not a creation: it takes no Idempotency-Key. A repeat sends a new code that
    replaces the previous one and counts towards every limit.
    """
    issued = await service.send_code(
        conn, clock, secret=secret, phone=data.phone,
        source=client_address(request), limits=service.SendLimits.of(settings),
    )  # fmt: skip
    sent = CodeSent(phone=issued.phone, expires_at=issued.expires_at)
    if settings.env == "dev":
        return Response(msgspec.structs.replace(sent, dev_code=issued.code), status_code=200)
    # A background task runs after the response, so after the commit: no code goes out for a
    # rolled-back request, and no row lock is held while it travels.
    task = BackgroundTask(notifier.send_code, issued.phone, issued.code)
    return Response(sent, status_code=200, background=task)


CODE_CHECK_EXAMPLE = example(
    CodeCheck,
    {"phone": "+819012345678", "code": "042917"},
    "The code the text message gave",
)


@post(
    "/v1/members/verify",
    opt=PUBLIC,
    status_code=200,
    tags=["members"],
    operation_id="verifyMemberCode",
)
async def verify_code(
    request: Request,
    data: Annotated[CodeCheck, CODE_CHECK_EXAMPLE],
    conn: Tx,
    clock: Now,
    idempotency_key: IdempotencyKey,
    secret: Secret,
) -> Response[Verified]:
    """Sign up or sign in with the code sent to a phone (anyone): the member, created if new, and
    a shopper token. 422 naming `code` for a wrong, expired, used or dead code (5 wrong tries).

    A repeat with the same Idempotency-Key returns the first answer (an app that lost it is
    signed in, not told the code was used); a wrong code does not hold the key.
    """
    return await once(
        conn,
        request,
        caller=f"phone/{data.phone}",
        key=idempotency_key,
        create=lambda: service.verify_code(
            conn, clock, secret=secret, phone=data.phone, code=data.code
        ),
        status_code=200,
    )


@get("/v1/me", guards=[allow(Role.SHOPPER)], tags=["members"], operation_id="getMe")
async def get_me(conn: Tx, principal: Caller) -> Member:
    """The calling member (a shopper), phone in full."""
    return await service.get_member(conn, principal.member_id)


@delete(
    "/v1/me",
    guards=[allow(Role.SHOPPER)],
    tags=["members"],
    operation_id="deleteMe",
    status_code=204,
)
async def delete_me(conn: Tx, clock: Now, principal: Caller) -> None:
    """Delete the calling member's account (a shopper): their phone, addresses and stored
    replies are erased at once, orders kept for accounting without them, and their tokens
    refused from then on. 409 `orders-open` naming the orders still on their way. Deleting
    twice is not possible: the second call's token is refused (401)."""
    await erasure.erase_member(conn, clock, member_id=principal.member_id or "")


@get(
    "/v1/me/member-code",
    guards=[allow(Role.SHOPPER)],
    tags=["members"],
    operation_id="getMemberCode",
)
async def get_member_code(conn: Tx, clock: Now, principal: Caller, secret: Secret) -> MemberCode:
    """A signed QR payload, valid 60 s, that a till scans to attach the member to a sale."""
    return await service.member_code(conn, clock, secret=secret, member_id=principal.member_id)


MEMBER_CODE_EXAMPLE = example(
    MemberCodeCheck,
    {"payload": "OMOM1.mem_0190b1c2d3e4f5a6b7c8d9e0f1a2b3c5.1796544000.Xk3v9Qp2"},
    "A member QR scanned at the till",
)


@post(
    "/v1/stores/{store_id:str}/member-codes/verify",
    guards=[allow(Role.CASHIER, Role.MANAGER)],
    status_code=200,
    tags=["members"],
    operation_id="checkMemberCode",
)
async def check_member_code(
    store_id: FromPath[str],
    data: Annotated[MemberCodeCheck, MEMBER_CODE_EXAMPLE],
    conn: Tx,
    clock: Now,
    secret: Secret,
) -> MemberCodeOwner:
    """The member a scanned code names (the store's cashiers and manager). 422 naming
    `member_code` if it is malformed, not ours or expired. A check, not a creation: no
    Idempotency-Key."""
    member_id = await service.check_member_code(conn, clock, secret=secret, payload=data.payload)
    return MemberCodeOwner(member_id=member_id)


REGISTRATION_EXAMPLE = example(
    Registration,
    {
        "name": "Tanaka Yui",
        "address": {"lat": 34.6981, "lng": 135.1925, "text": "神戸市中央区北野町2-10-5 302号"},
        "phone": "+819012345678",
        "substitution": "same_brand",
        "nudges": "sms",
    },
    "A shopper signed up at the counter",
)


@post(
    "/v1/stores/{store_id:str}/members",
    guards=[allow(Role.CASHIER, Role.MANAGER)],
    tags=["members"],
    operation_id="registerMemberAtCounter",
)
async def register_member(
    request: Request,
    store_id: FromPath[str],
    data: Annotated[Registration, REGISTRATION_EXAMPLE],
    conn: Tx,
    clock: Now,
    principal: Caller,
    idempotency_key: IdempotencyKey,
) -> Response[Registered]:
    """Register a member at the counter (the store's cashiers and manager), with no phone if
    they have none: their name, the address staff deliver to when ordering for them, their
    standing preference for substitutes, and SMS nudges if they agree (a phone needed). The
    answer's `card_code` is printed on their member card now and shown nowhere again; a till
    scans it as a `member_code`, and staff order for them with it. 409 naming `phone` when the
    phone is a member's already. A repeat with the same Idempotency-Key returns the first
    answer."""
    return await once(
        conn,
        request,
        caller=f"{store_id}/{principal.subject}",
        key=idempotency_key,
        create=lambda: service.register(
            conn, clock, registration=data, by=f"{store_id}/{principal.subject}"
        ),
    )


class CardErasure(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    card_code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


CARD_ERASURE_EXAMPLE = example(
    CardErasure,
    {"card_code": "OMOC-7K2M-Q9XH-3DPA-W6RT"},
    "Erase the member whose card this is",
)


@post(
    "/v1/stores/{store_id:str}/members/erase",
    guards=[allow(Role.MANAGER)],
    tags=["members"],
    operation_id="eraseMemberByCard",
    status_code=204,
)
async def erase_by_card(
    store_id: FromPath[str],
    data: Annotated[CardErasure, CARD_ERASURE_EXAMPLE],
    conn: Tx,
    clock: Now,
) -> None:
    """Delete the account of the member who hands over this member card (the store's manager),
    for a member with no app to do it themselves: erased as `DELETE /v1/me` erases, and 409
    `orders-open` while an order is on its way. Not a creation: a repeat finds no member with
    the card (404), so no Idempotency-Key."""
    await erasure.erase_by_card(conn, clock, card_code=data.card_code)


NUDGE_CONSENT_EXAMPLE = example(
    NudgeConsent,
    {"channel": "push"},
    "Remind me on the app",
)


@put(
    "/v1/me/nudges",
    guards=[allow(Role.SHOPPER)],
    tags=["members"],
    operation_id="setNudgeConsent",
    status_code=204,
)
async def set_nudge_consent(
    data: Annotated[NudgeConsent, NUDGE_CONSENT_EXAMPLE], conn: Tx, clock: Now, principal: Caller
) -> None:
    """Agree to be told, after a visit to a store, of a reason to order online (`push` to the
    app, `sms` to the member's phone), or opt out (`null`); nothing is sent without it. A
    nudge not sent yet is withheld once its member opts out."""
    await service.set_nudge_consent(
        conn, clock, member_id=principal.member_id, channel=data.channel
    )


ROUTES = [
    send_code,
    verify_code,
    get_me,
    delete_me,
    get_member_code,
    check_member_code,
    register_member,
    erase_by_card,
    set_nudge_consent,
]
