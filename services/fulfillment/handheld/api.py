"""The handheld's own endpoints: the page, sign-in by store and PIN, and the live stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated

import asyncpg
import msgspec
from litestar import Request, Response, get, post, put
from litestar.params import FromPath
from litestar.response import ServerSentEvent, ServerSentEventMessage

from services.fulfillment import live
from services.fulfillment.batches.devices import DeviceId, registered
from services.fulfillment.deps import LiveHub
from services.fulfillment.handheld import pins, service, views
from services.fulfillment.handheld.domain import Home
from services.fulfillment.handheld.labels import PrintLabel
from services.fulfillment.handheld.service import Session
from services.fulfillment.live import Hub
from shared import paging
from shared.auth import Principal, Role
from shared.clock import Clock
from shared.errors import NotFound
from shared.web.access import PUBLIC, allow, client_address
from shared.web.deps import Caller, Now, Pool, Secret, Tx
from shared.web.idempotency import IdempotencyKey, once
from shared.web.openapi import example, problems
from shared.web.streams import EVENT_STREAM, Resume, event_message, snapshot, stream

HERE = Path(__file__).parent
PAGE = (HERE / "handheld.html").read_bytes()
WORKER = (HERE / "sw.js").read_bytes()
JS = "text/javascript; charset=utf-8"
MEDIA_TYPES = {".js": JS, ".css": "text/css; charset=utf-8"}
ASSETS = {p.name: (p.read_bytes(), MEDIA_TYPES[p.suffix]) for p in (HERE / "static").iterdir()}
# Each load asks the server first (the service worker answers from its cache when offline).
FRESH = {"Cache-Control": "no-cache"}
IDLE_S = 5.0  # a quiet stream checks the lease and says it is alive this often


@get("/handheld", opt=PUBLIC, include_in_schema=False, media_type="text/html")
async def handheld_page() -> Response[bytes]:
    """The picker's screen: plain HTML and JavaScript, no build step."""
    return Response(PAGE, media_type="text/html; charset=utf-8", headers=FRESH)


@get("/handheld/static/{name:str}", opt=PUBLIC, include_in_schema=False)
async def handheld_asset(name: FromPath[str]) -> Response[bytes]:
    """The page's scripts and styles, from the service itself (no CDN: the floor's Wi-Fi may
    have no internet)."""
    if name not in ASSETS:
        raise NotFound(f"the handheld has no file {name}", field="name")
    body, media_type = ASSETS[name]
    return Response(body, media_type=media_type, headers=FRESH)


@get("/handheld/sw.js", opt=PUBLIC, include_in_schema=False)
async def handheld_worker() -> Response[bytes]:
    """The service worker that keeps the page for a reload offline. Its file sits under
    /handheld/, so the page's own path (/handheld) is allowed to it by header."""
    return Response(WORKER, media_type=JS, headers={**FRESH, "Service-Worker-Allowed": "/handheld"})


@get("/v1/handheld/home", guards=[allow(Role.PICKER)], tags=["handheld"], operation_id="getHome")
async def home(conn: Tx, clock: Now, principal: Caller) -> Home:
    """The home screen of the signed-in picker's store: its name, time zone and language, the
    queue per zone, the urgent tasks (due within 5 minutes or expected late), the parked totes
    and the batch the picker holds."""
    return await views.home(conn, clock, principal)


class LabelPage(paging.Page, frozen=True, kw_only=True):
    items: list[PrintLabel]


@get(
    "/v1/stores/{store_id:str}/orders/{order_id:str}/labels",
    guards=[allow(Role.PICKER, Role.MANAGER)],
    tags=["packing"],
    operation_id="getBagLabels",
)
async def bag_labels(store_id: FromPath[str], order_id: FromPath[str], conn: Tx) -> LabelPage:
    """The labels of an order's bags to print, each with its QR code as an SVG data URI (the
    store's staff); one page (`next_cursor` null)."""
    labels = await views.labels(conn, store_id=store_id, order_id=order_id)
    return LabelPage(items=labels, next_cursor=None)


class SignIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    store_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    pin: str


SIGN_IN_EXAMPLE = example(
    SignIn,
    {"store_id": "kobe-sannomiya", "pin": "4827"},
    "A picker's PIN at Kobe Sannomiya",
)


@post(
    "/v1/handheld/sessions",
    opt=PUBLIC,
    tags=["handheld"],
    operation_id="signIn",
    responses=problems({401: "No picker of this store has that PIN (the miss is counted)."}),
)
async def sign_in(
    request: Request,
    data: Annotated[SignIn, SIGN_IN_EXAMPLE],
    conn: Tx,
    clock: Now,
    idempotency_key: IdempotencyKey,
    secret: Secret,
    device_id: DeviceId = None,
) -> Response[Session]:
    """Sign a picker in with the store and their PIN (anyone). Wrong PINs are counted per
    handheld (`Device-Id`) and per client address, each with a backoff (then 429 with
    Retry-After); a handheld that has worked in the store is judged by its own count alone. A
    repeat with the same Idempotency-Key returns the first session."""
    await service.known_store(conn, data.store_id)
    return await once(
        conn,
        request,
        caller=f"sign-in/{data.store_id}",
        key=idempotency_key,
        create=lambda: service.sign_in(
            conn,
            secret,
            store_id=data.store_id,
            pin=data.pin,
            device_id=device_id,
            source=client_address(request),
            now=clock.now(),
        ),
    )


class PickerBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    pin: str


PICKER_EXAMPLE = example(
    PickerBody,
    {"name": "Yamada Hanako", "pin": "4827"},
    "A picker and the PIN they sign in with",
)


@put(
    "/v1/stores/{store_id:str}/pickers/{picker_id:str}",
    guards=[allow(Role.MANAGER)],
    tags=["pickers"],
    operation_id="savePicker",
)
async def save_picker(
    store_id: FromPath[str],
    picker_id: FromPath[str],
    data: Annotated[PickerBody, PICKER_EXAMPLE],
    conn: Tx,
    secret: Secret,
) -> dict[str, str]:
    """Add a picker or change their name and PIN (the store's manager); PUT, so a repeat is
    the same change."""
    await pins.save_picker(
        conn, secret, store_id=store_id, picker_id=picker_id, name=data.name, pin=data.pin
    )
    return {"picker_id": picker_id, "name": data.name}


@get(
    "/v1/handheld/events",
    guards=[allow(Role.PICKER)],
    tags=["handheld"],
    operation_id="events",
    media_type=EVENT_STREAM,
)
async def events(
    pool: Pool, clock: Now, principal: Caller, hub: LiveHub, last_event: Resume
) -> ServerSentEvent:
    """Live updates for the signed-in picker (Server-Sent Events), every message in the
    public envelope (`id`, `seq`, `topic`, `occurred_at`, `store_id`, `data`), its SSE event
    name the topic. From the store's log, with their `seq` as the SSE id: `substitution`
    decisions, `cancelled` orders in their totes, `urgent` tasks in their store, `lapsed`
    leases. The stream's own states, `seq` null and the SSE id that of the last message of the
    log sent: a `hello` first (`data`: the picker and store), and a `lease` warning when their
    batch's lease is about to run out (`data`: the batch and the seconds left). With
    `Last-Event-ID` (or `?last_event_id=`) it resumes after that message; without, after the
    store's newest; an id the log never gave out is a 422 naming it."""
    async with pool.acquire() as conn:
        await registered(conn, principal)
        after = await live.resume_at(conn, principal.store_id or "", last_event)
    return stream(_stream(hub, pool, clock, principal, after))


async def _stream(
    hub: Hub, pool: asyncpg.Pool, clock: Clock, principal: Principal, after: int
) -> AsyncGenerator[ServerSentEventMessage, None]:
    store_id, picker_id = principal.store_id or "", principal.subject
    async with hub.subscribe(store_id, picker_id) as woken:
        hello = {"picker_id": picker_id, "store_id": store_id}
        yield snapshot("hello", hello, store_id=store_id, at=clock.now(), id=str(after))
        while True:
            woken.clear()  # before reading: a message committed meanwhile wakes the wait below
            async with pool.acquire() as conn:
                fresh = await live.messages_after(
                    conn, store_id=store_id, picker_id=picker_id, after=after
                )
            for published in fresh:
                assert published.seq is not None  # a log's entry
                after = published.seq
                yield event_message(published)
            if len(fresh) == live.PAGE:
                continue
            try:
                await asyncio.wait_for(woken.wait(), IDLE_S)
            except TimeoutError:
                await hub.ensure_listening()
                now = clock.now()
                warning = await service.lease_running_out(
                    pool, store_id=store_id, picker_id=picker_id, now=now
                )
                if warning is not None:
                    yield snapshot("lease", warning, store_id=store_id, at=now, id=str(after))
                else:
                    yield ServerSentEventMessage(comment="alive")


ROUTES = [
    handheld_page,
    handheld_asset,
    handheld_worker,
    home,
    bag_labels,
    sign_in,
    save_picker,
    events,
]
