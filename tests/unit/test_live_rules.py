"""The manager's live view: who holds a late order, where a rider is, what counts as a change
of the store, and the stages of the order the manager follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from services.delivery.deliveries.store import RiderOnShift
from services.delivery.deliveries.views import DispatchBoard
from services.delivery.dispatch.runs import Run
from services.delivery.live.alerts import Alert, alert_of
from services.delivery.live.floor import AtRisk, PickerAtWork, PickTask, Queue, ZoneBacklog
from services.delivery.live.following import followed
from services.delivery.live.store import FollowedRow, OpenOrder, StoreFacts
from services.delivery.live.views import (
    LatePromises,
    LiveState,
    OnTime,
    floor_of,
    late_orders,
    metres,
    riders_of,
    stages,
    state_id,
)

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
STORE = StoreFacts(
    store_id="kobe", name="Kobe", lat=34.6937, lng=135.1955, radius_m=3000, timezone="Asia/Tokyo",
    language="ja",
)  # fmt: skip


def order(order_id: str, status: str, *, due_in: float = 20, rider: str | None = None, **kw):
    return OpenOrder(
        order_id=order_id, status=status, placed_at=NOW - timedelta(minutes=10),
        promise_at=NOW + timedelta(minutes=due_in), eta=kw.get("eta"), lat=34.70, lng=135.20,
        rider_id=rider, seq=kw.get("seq"),
    )  # fmt: skip


def queue(*risky: AtRisk) -> Queue:
    aoi = PickerAtWork(picker_id="picker-1", name="Aoi", zone="chilled", orders=2, claimed_at=NOW)
    return Queue(at=NOW, zones=[], at_risk=list(risky), pickers=[aoi])


def risk(order_id: str, picker: str | None, *, due_in: float = 5) -> AtRisk:
    return AtRisk(
        order_id=order_id, zone="chilled", status="claimed", picker_id=picker,
        deadline=NOW + timedelta(minutes=due_in), lines_left=4,
    )  # fmt: skip


def test_a_late_order_names_who_holds_it_the_rider_the_picker_or_nobody_yet():
    opens = [
        order("out", "out", due_in=-1, rider="rider-1"),
        order("picking", "waiting", due_in=-1),
        order("packed", "ready", due_in=-1),
        order("fine", "ready"),
    ]
    late = late_orders(NOW, opens, {"rider-1": "Haruto"}, queue(risk("picking", "picker-1")))
    held = {x.order_id: (x.held_by, x.holder) for x in late}
    assert held == {
        "out": ("rider", "Haruto"),
        "picking": ("floor", "Aoi"),
        "packed": ("dispatch", None),
    }


def test_an_order_at_risk_on_the_floor_is_listed_after_the_late_ones_with_its_picker():
    opens = [order("late", "waiting", due_in=-1), order("risky", "waiting", due_in=8)]
    floor = queue(risk("risky", "picker-1"), risk("pickup", None, due_in=3))
    late = late_orders(NOW, opens, {}, floor)
    assert [(x.order_id, x.late, x.holder) for x in late] == [
        ("late", True, None),
        ("pickup", False, None),  # a pickup order: delivery knows it only from the floor
        ("risky", False, "Aoi"),
    ]


def test_a_rider_planned_after_the_promise_is_late_before_the_promise_passes():
    opens = [order("o1", "out", rider="r", eta=NOW + timedelta(minutes=25), seq=1)]
    [late] = late_orders(NOW, opens, {"r": "Yui"}, None)
    assert late.late and late.held_by == "rider"


def test_a_free_rider_away_from_the_store_is_riding_back():
    def rider(rider_id, route_status=None, at=(STORE.lat, STORE.lng)):
        return RiderOnShift(
            rider_id=rider_id, name=rider_id, lat=at[0], lng=at[1], located_at=NOW,
            route_id=None, route_status=route_status, stops_left=0, box_bags=6,
        )  # fmt: skip

    away = (34.7010, 135.2040)
    riders = [
        rider("home"),
        rider("back", at=away),
        rider("out", "out", away),
        rider("bags", "assigned"),
    ]
    opens = [order("b", "out", rider="out", seq=2), order("a", "out", rider="out", seq=1)]
    states = {
        r.rider_id: (r.state, [s.order_id for s in r.stops])
        for r in riders_of(STORE, riders, opens)
    }
    assert states == {
        "home": ("free", []),
        "back": ("back", []),
        "out": ("out", ["a", "b"]),  # its doors in riding order
        "bags": ("loading", []),
    }


def test_metres_from_the_store_follow_the_local_degree_lengths():
    assert round(metres(STORE, STORE.lat + 1 / 110.574, STORE.lng)) == 1000
    east = 1000 / (111320 * 0.8222)  # cos(34.6937°) ≈ 0.8222
    assert abs(metres(STORE, STORE.lat, STORE.lng + east) - 1000) < 2


def test_the_floors_oldest_wait_is_kept_to_the_minute_so_a_second_later_is_no_change():
    def zone(age_s: int, at: datetime) -> Queue:
        backlog = ZoneBacklog(
            zone="chilled", queued=2, queued_lines=6, oldest_age_s=age_s, in_progress=0
        )
        return Queue(at=at, zones=[backlog], at_risk=[], pickers=[])

    first = floor_of(zone(95, NOW + timedelta(seconds=0.4)))
    later = floor_of(zone(96, NOW + timedelta(seconds=1.2)))
    assert first == later
    assert first.zones[0].oldest_since == NOW - timedelta(minutes=2)


def test_the_same_store_a_second_later_has_the_same_id_and_any_change_a_new_one():
    def state(at: datetime, opens: list[OpenOrder]) -> LiveState:
        return LiveState(
            at=at, store=STORE, stages=stages(opens, 0), late=[], floor=None, riders=[],
            on_time=OnTime(done=0, on_promise=0, within_30=0, promise_rate=None, thirty_rate=None),
            promises=LatePromises(by_cause=[], latest=[]), alert=None, alert_facts=None,
            followed=None,
        )  # fmt: skip

    opens = [order("o1", "waiting")]
    assert state_id(state(NOW, opens)) == state_id(state(NOW + timedelta(seconds=1), opens))
    packed = [msgspec.structs.replace(opens[0], status="ready")]
    assert state_id(state(NOW, opens)) != state_id(state(NOW, packed))


def pick_task(zone: str, fulfilment: str = "delivery", **at: datetime | None) -> PickTask:
    """A task of `ord_1` paid at NOW, claimed and packed by Aoi as `at` says."""
    claimed = at.get("claimed_at")
    return PickTask(
        zone=zone, fulfilment=fulfilment, status="packed" if at.get("packed_at") else "claimed",
        deadline=NOW + timedelta(minutes=30), picker_id="picker-1" if claimed else None,
        picker_name="Aoi Tanaka" if claimed else None, created_at=NOW, claimed_at=claimed,
        packed_at=at.get("packed_at"), collected_at=at.get("collected_at"),
    )  # fmt: skip


def minutes(n: float) -> datetime:
    return NOW + timedelta(minutes=n)


def test_a_followed_delivery_names_its_picker_after_the_picker_has_gone_home():
    row = FollowedRow(
        status="out", placed_at=NOW, promise_at=minutes(30), ready_at=minutes(8),
        out_at=minutes(10), done_at=None, eta=minutes(22), rider="Yuto Yamamoto",
    )  # fmt: skip
    tasks = [pick_task("chilled", claimed_at=minutes(1), packed_at=minutes(8))]
    shown = followed("ord_1", row, tasks)
    assert (shown.fulfilment, shown.stage, shown.pickers) == ("delivery", "riding", ["Aoi Tanaka"])
    assert [s.at for s in shown.steps] == [NOW, minutes(1), minutes(8), minutes(10), None]


def test_a_followed_pickup_order_goes_paid_picking_packed_collected_by_the_floor():
    def stage(*tasks: PickTask) -> tuple[str, list[str]]:
        shown = followed("ord_1", None, list(tasks))
        assert shown.fulfilment == "pickup" and shown.promise_at == minutes(30)
        return shown.stage, [s.step for s in shown.steps if s.at]

    assert stage(pick_task("chilled", "pickup")) == ("paid", ["paid"])
    one = pick_task("chilled", "pickup", claimed_at=minutes(1))
    assert stage(one, pick_task("ambient", "pickup")) == ("picking", ["paid", "picking"])
    chilled = pick_task("chilled", "pickup", claimed_at=minutes(1), packed_at=minutes(6))
    assert stage(chilled, pick_task("ambient", "pickup", claimed_at=minutes(2))) == (
        "picking",
        ["paid", "picking"],
    )  # one zone packed is not the order packed
    ambient = pick_task("ambient", "pickup", claimed_at=minutes(2), packed_at=minutes(7))
    assert stage(chilled, ambient) == ("packed", ["paid", "picking", "packed"])
    done = {"claimed_at": minutes(1), "packed_at": minutes(7), "collected_at": minutes(40)}
    assert stage(pick_task("ambient", "pickup", **done)) == (
        "collected",
        ["paid", "picking", "packed", "collected"],
    )


def test_a_delivery_that_delivery_has_not_heard_of_yet_is_unknown_not_a_pickup():
    shown = followed("ord_1", None, [pick_task("chilled", claimed_at=minutes(1))])
    assert (shown.stage, shown.fulfilment, shown.steps) == ("unknown", None, [])
    assert followed("ord_1", None, None).floor_known is False


def test_the_alert_in_numbers_says_what_the_dispatch_board_says():
    """The page words the alert from these numbers, in Japanese or English."""
    run = Run(
        at=NOW, solver="test", solve_s=0.1, ready_orders=3, free_riders=1, committed=1, held=0,
        late_orders=2, lateness_s=61, unassigned=0, owner="test",
    )  # fmt: skip
    riders = [
        RiderOnShift(
            rider_id=f"rider-{bags}",
            name="R",
            lat=None,
            lng=None,
            located_at=None,
            route_id=None,
            route_status=None,
            stops_left=0,
            box_bags=bags,
        )
        for bags in (4, 6)
    ]
    board = DispatchBoard(
        store_id="kobe", at=NOW, riders=riders, deliveries=[], last_run=run,
        alert="2 orders will miss the promise (2 min late in total); ...", late=0,
        needs_bigger_box=["ord_9"],
    )  # fmt: skip
    assert alert_of(board) == Alert(
        late_orders=2, late_minutes=2, unassigned=0, too_big=["ord_9"], largest_box=6
    )
    quiet = msgspec.structs.replace(board, alert=None, needs_bigger_box=[])
    assert alert_of(quiet) is None
