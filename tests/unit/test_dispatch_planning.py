"""Dispatch: the snapshot becomes a routing problem; a plan becomes routes committed or held."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from services.delivery.dispatch.dispatcher import DESCENT, plan_snapshot
from services.delivery.dispatch.planning import (
    PLAN_MARGIN,
    SOLVE_FLOOR_S,
    SOLVE_S_PER_ORDER,
    LastPlan,
    Order,
    Place,
    Rider,
    Snapshot,
    build_problem,
    decide,
    next_trip,
    riders_short,
    search_needed,
    solve_limit,
)
from services.delivery.promise import HANDOVER
from services.delivery.routing.model import Plan, Route, Visit
from services.delivery.routing.repair import plan_repaired

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
STORE = Place(34.6913, 135.1955)


def order(n: int, due_min: float, bags: int = 1, north_m: float = 1000) -> Order:
    return Order(
        order_id=f"o{n}",
        at=Place(STORE.lat + north_m / 111_000, STORE.lng),
        promise_at=NOW + timedelta(minutes=due_min),
        bags=bags,
    )


def snapshot(
    ready: list[Order], riders: list[Rider], capacity: int = 6, waiting: list[Order] = ()
) -> Snapshot:
    return Snapshot(
        store_id="s",
        store=STORE,
        bag_capacity=capacity,
        service_s=120,
        detour_factor=1.35,
        speed_kmh=15,
        ready=ready,
        riders=riders,
        waiting=list(waiting),
    )


def plan(*routes: tuple[str, list[tuple[str, float]]]) -> Plan:
    return Plan(
        routes=[
            Route(
                vehicle_id=rider,
                visits=[
                    Visit(job_id=j, arrival=at, departure=at + 120, late_s=0) for j, at in visits
                ],
                start_at=0,
                end_at=0,
                distance=0,
            )
            for rider, visits in routes
        ],
        unassigned=[],
        vehicles_used=len(routes),
        distance=0,
        lateness_s=0,
        late_jobs=0,
        feasible=True,
        solve_s=0.1,
        solver="test",
    )


def test_free_riders_start_at_the_store_and_riders_on_the_road_keep_their_orders():
    out = order(9, 20)
    snap = snapshot(
        [order(1, 25), order(2, 30, bags=2)],
        [
            Rider(rider_id="home", at=STORE),
            Rider(rider_id="away", at=Place(STORE.lat + 0.01, STORE.lng)),  # ~1.1 km off
            Rider(rider_id="busy", at=Place(STORE.lat, STORE.lng + 0.01), carrying=[out]),
        ],
    )
    problem = build_problem(snap, NOW)
    by_id = {v.vehicle_id: v for v in problem.vehicles}
    assert by_id["busy"].carried == ["o9"] and not by_id["busy"].accepts_new
    assert by_id["busy"].start != 0 and by_id["busy"].end == 0
    assert by_id["home"].start == 0 and by_id["home"].available_at == 0
    assert by_id["away"].start == 0 and 300 < by_id["away"].available_at < 600  # ~1.5 km ride
    jobs = {j.job_id: j for j in problem.jobs}
    assert set(jobs) == {"o1", "o2", "o9"}
    assert jobs["o1"].latest == (25 * 60) - HANDOVER.total_seconds()  # the promise, kept
    assert problem.aim_inside_s == PLAN_MARGIN.total_seconds()  # and aimed a minute inside
    assert jobs["o2"].demand == 2
    assert problem.durations[0][jobs["o1"].node] > 0
    # "busy" is also their next trip: from the store, once o9 is handed over and they are back
    later = by_id[next_trip("busy")]
    assert later.start == 0 and later.accepts_new and later.carried == []
    d, o9 = problem.durations, jobs["o9"].node
    back = d[by_id["busy"].start][o9] + snap.service_s + d[o9][0]
    assert later.available_at == int(back) and later.available_at > 600
    assert problem.previous == [[], [], [], []]
    warm = build_problem(snap, NOW, previous={"home": ["o2", "o1"]})
    assert [
        r for v, r in zip(warm.vehicles, warm.previous, strict=True) if v.vehicle_id == "home"
    ] == [["o2", "o1"]]


def test_nothing_planned_on_a_next_trip_leaves_and_the_rest_does():
    snap = snapshot(
        [order(1, 29), order(2, 29)],
        [Rider(rider_id="a", at=STORE), Rider(rider_id="b", at=STORE, carrying=[order(9, 20)])],
    )
    decision = decide(
        snap, plan(("a", [("o1", 300)]), (next_trip("b"), [("o2", 900)]), ("b", [("o9", 60)])), NOW
    )
    assert [r.order_ids for r in decision.commit] == [["o1"]]
    assert decision.held == ["o2"] and set(decision.etas) == {"o9"}


def waiting(n: int, ready_in_min: float, north_m: float = 1000, bags: int = 1) -> Order:
    """An order still being packed, due 30 minutes from now."""
    return msgspec.structs.replace(
        order(n, 30, bags=bags, north_m=north_m), ready_by=NOW + timedelta(minutes=ready_in_min)
    )


def test_a_lone_packed_order_leaves_with_the_rider_at_the_store_at_once():
    """One rider, one packed order with time to spare and nothing going its way: it leaves
    (the landed rule held it 812 s while the rider stood idle)."""
    snap = snapshot([order(1, 29)], [Rider(rider_id="a", at=STORE)])
    decision = decide(snap, plan(("a", [("o1", 300)])), NOW)
    assert [r.order_ids for r in decision.commit] == [["o1"]] and decision.held == []


def test_a_route_waits_for_an_order_going_its_way_packed_within_the_bound():
    riders = [Rider(rider_id="a", at=STORE)]
    snap = snapshot([order(1, 29)], riders, waiting=[waiting(2, 2, north_m=1100)])
    decision = decide(snap, plan(("a", [("o1", 300)])), NOW)
    assert decision.commit == [] and decision.held == ["o1"]


def test_a_route_does_not_wait_past_the_bound_nor_for_an_order_the_other_way():
    riders = [Rider(rider_id="a", at=STORE)]
    for other in (waiting(2, 5, north_m=1100), waiting(2, 1, north_m=-1100)):
        snap = snapshot([order(1, 29)], riders, waiting=[other])
        decision = decide(snap, plan(("a", [("o1", 300)])), NOW)
        assert [r.order_ids for r in decision.commit] == [["o1"]], other


def test_a_route_does_not_wait_when_its_order_would_be_late():
    riders = [Rider(rider_id="a", at=STORE)]
    snap = snapshot([order(1, 9)], riders, waiting=[waiting(2, 2, north_m=1100)])
    decision = decide(snap, plan(("a", [("o1", 300)])), NOW)
    assert [r.order_ids for r in decision.commit] == [["o1"]]


def test_a_route_for_a_rider_riding_back_waits_for_the_next_plan_even_when_tight():
    away = [Rider(rider_id="a", at=Place(STORE.lat + 0.01, STORE.lng))]
    later = plan(("a", [("o1", 900)]))
    later = msgspec.structs.replace(
        later, routes=[msgspec.structs.replace(later.routes[0], start_at=400)]
    )
    assert decide(snapshot([order(1, 29)], away), later, NOW).held == ["o1"]
    tight = decide(snapshot([order(1, 17)], away), later, NOW)
    assert tight.commit == [] and tight.held == ["o1"]


def test_a_full_rider_leaves_and_greedy_rides_one_order_a_trip():
    snap = snapshot(
        [order(1, 29, bags=3), order(2, 29, bags=3)],
        [Rider(rider_id="a", at=STORE)],
        waiting=[waiting(3, 1, north_m=1100)],
    )
    full = decide(snap, plan(("a", [("o1", 300), ("o2", 400)])), NOW)
    assert [r.order_ids for r in full.commit] == [["o1", "o2"]]
    greedy = decide(snap, plan(("a", [("o1", 300), ("o2", 900)])), NOW, batching=False)
    assert [r.order_ids for r in greedy.commit] == [["o1"]] and greedy.held == []


def test_riders_are_short_while_orders_in_hand_outnumber_free_riders():
    riders = [Rider(rider_id="a", at=STORE), Rider(rider_id="b", at=STORE)]
    assert not riders_short(snapshot([order(1, 29)], riders, waiting=[waiting(2, 2)]))
    assert riders_short(snapshot([order(1, 29)], riders, waiting=[waiting(2, 2), waiting(3, 2)]))
    problem = build_problem(snapshot([order(1, 29)], riders), NOW)
    assert problem.wait_cost_per_s > 0 and problem.rider_cost_per_s < problem.wait_cost_per_s


def test_riders_on_the_road_get_fresh_etas_not_new_routes():
    out = order(9, 20)
    snap = snapshot([], [Rider(rider_id="busy", at=STORE, carrying=[out], route_id="r")])
    decision = decide(snap, plan(("busy", [("o9", 600)])), NOW)
    assert decision.commit == [] and decision.etas == {"o9": NOW + timedelta(seconds=600)}


def test_each_rider_is_planned_with_their_own_box_or_the_stores():
    cargo = Rider(rider_id="cargo", at=STORE, capacity=12)
    plain = Rider(rider_id="plain", at=STORE)
    busy = Rider(rider_id="busy", at=STORE, carrying=[order(9, 20, bags=2)], capacity=10)
    problem = build_problem(snapshot([order(1, 25, bags=8)], [cargo, plain, busy]), NOW)
    boxes = {v.vehicle_id: v.capacity for v in problem.vehicles}
    assert boxes == {"cargo": 12, "plain": 6, "busy": 10, next_trip("busy"): 10}


def test_a_rider_is_full_by_their_own_box():
    four = [order(1, 29, bags=2), order(2, 29, bags=2)]
    route = plan(("a", [("o1", 300), ("o2", 400)]))
    coming = [waiting(3, 1, north_m=1100, bags=2)]  # going their way, packed in a minute
    small = snapshot(four, [Rider(rider_id="a", at=STORE, capacity=4)], waiting=coming)
    assert [r.order_ids for r in decide(small, route, NOW).commit] == [["o1", "o2"]]
    cargo = snapshot(four, [Rider(rider_id="a", at=STORE, capacity=12)], capacity=4, waiting=coming)
    assert decide(cargo, route, NOW).held == ["o1", "o2"]


def test_an_unchanged_world_keeps_the_last_plan_timed_anew_without_a_search():
    riders = [Rider(rider_id="r1", at=STORE), Rider(rider_id="r2", at=STORE)]
    snap = snapshot([order(1, 25), order(2, 28, north_m=-1500)], riders)
    first = plan_snapshot(snap, NOW, "ortools", 0.5, None)
    assert not first.solver.endswith("kept")
    last = LastPlan.of(first)

    again = plan_snapshot(snap, NOW + timedelta(seconds=20), "ortools", 0.5, last)
    assert again.solver == "ortools:kept" and again.solve_s == 0
    assert LastPlan.of(again) == last
    # The same routes, timed from the new time zero: the same seconds from leaving.
    assert [v.arrival for r in again.routes for v in r.visits] == pytest.approx(
        [v.arrival for r in first.routes for v in r.visits]
    )
    assert plan_snapshot(snap, NOW, "greedy", 0.5, last).solver == "greedy"


def test_a_new_order_is_inserted_where_it_costs_least_and_the_other_routes_stay():
    riders = [Rider(rider_id=f"r{n}", at=STORE) for n in range(1, 4)]
    # Held for the next plan, riders short: o1 and o2 north, o3 south, each with a rider.
    last = LastPlan.of(plan(("r1", [("o1", 300), ("o2", 400)]), ("r2", [("o3", 300)])))
    north, south = order(1, 25), order(2, 26, north_m=1200)
    packed = snapshot(
        [north, south, order(3, 27, north_m=-1500), order(4, 26, north_m=1100)], riders
    )
    problem = build_problem(packed, NOW, previous=last.previous(packed))

    repaired = plan_repaired(problem, solver="ortools")
    assert repaired is not None and repaired.solver == "ortools:repaired"
    routes = LastPlan.of(repaired).routes
    assert routes["r2"] == ["o3"]  # untouched
    assert routes["r1"] == ["o1", "o4", "o2"]  # on its way north, between its two doors
    # The dispatcher polishes an insertion with a descent, not a search.
    polished = plan_snapshot(packed, NOW, "ortools", 0.5, last)
    assert polished.solver == DESCENT.name(False)
    assert LastPlan.of(polished).routes == routes


def test_a_rider_back_with_nothing_waiting_makes_no_search_and_stays_idle():
    o1 = order(1, 25)
    snap = snapshot([o1], [Rider(rider_id="r1", at=STORE), Rider(rider_id="r2", at=STORE)])
    last = LastPlan.of(plan_snapshot(snap, NOW, "ortools", 0.5, None))
    back = msgspec.structs.replace(snap, riders=[*snap.riders, Rider(rider_id="r3", at=STORE)])

    kept = plan_snapshot(back, NOW, "ortools", 0.5, last)
    assert kept.solver == "ortools:kept" and LastPlan.of(kept) == last


def test_a_rider_back_takes_what_the_plan_had_on_their_next_trip_without_a_search():
    o1, o2 = order(1, 29), order(2, 29, north_m=-1200)
    before = [Rider(rider_id="r1", at=STORE, carrying=[order(9, 20)])]
    last = LastPlan.of(plan((next_trip("r1"), [("o1", 900), ("o2", 1200)]), ("r1", [("o9", 60)])))
    assert last.previous(snapshot([o1, o2], before)) == last.routes

    back = snapshot([o1, o2], [Rider(rider_id="r1", at=STORE)])
    plan_now = plan_snapshot(back, NOW, "ortools", 0.5, last)
    assert plan_now.solver == "ortools:kept"
    assert LastPlan.of(plan_now).routes == {"r1": ["o1", "o2"]}
    assert [r.order_ids for r in decide(back, plan_now, NOW).commit] == [["o1", "o2"]]


def test_only_a_promise_a_rider_could_still_keep_or_an_order_that_fits_nowhere_calls_for_a_search():
    riders = [Rider(rider_id="r1", at=STORE), Rider(rider_id="r2", at=STORE)]
    # Each door 324 s from the store, 648 s from the other; r2 stands idle.
    both = LastPlan.of(plan(("r1", [("o1", 300), ("o2", 900)])))
    snap = snapshot([order(1, 16), order(2, 16, north_m=-1000)], riders)
    problem = build_problem(snap, NOW, previous=both.previous(snap))
    repaired = plan_repaired(problem, solver="ortools")
    assert repaired is not None and repaired.late_jobs == 1  # o2 second: past its promise
    assert search_needed(problem, repaired)  # r2 could still be there in time
    # The descent from the repair moves o2 to r2 and keeps the promise: no search.
    mended = plan_snapshot(snap, NOW, "ortools", 0.5, both)
    assert mended.solver == DESCENT.name(False) and mended.late_jobs == 0
    assert LastPlan.of(mended).routes == {"r1": ["o1"], "r2": ["o2"]}

    # A door a rider carries, past its promise, cannot move: the plan is kept as it was.
    out = [Rider(rider_id="r1", at=STORE, carrying=[order(9, 1)]), riders[1]]
    carried = LastPlan.of(plan(("r1", [("o9", 300)])))
    assert plan_snapshot(snapshot([], out), NOW, "ortools", 0.5, carried).solver == "ortools:kept"

    apart = LastPlan.of(plan(("r1", [("o1", 300)]), ("r2", [("o2", 300)])))
    for due_min, past_promise in ((8, False), (6, True)):
        # Past its aim, inside the promise; then past the promise, no rider able to keep it.
        snap = snapshot([order(1, due_min), order(2, due_min, north_m=-1000)], riders)
        problem = build_problem(snap, NOW, previous=apart.previous(snap))
        repaired = plan_repaired(problem, solver="ortools")
        assert repaired is not None and (repaired.late_jobs == 2) is past_promise
        assert not search_needed(problem, repaired)
        # Kept, yet past its aims: descended from, not searched.
        assert plan_snapshot(snap, NOW, "ortools", 0.5, apart).solver == DESCENT.name(False)
    # Six bags into boxes of six that each carry one already: no place has room.
    full = LastPlan.of(plan(("r1", [("o1", 300)]), ("r2", [("o2", 300)])))
    heavy = snapshot([order(1, 25), order(2, 25), order(3, 25, bags=6)], riders)
    problem = build_problem(heavy, NOW, previous=full.previous(heavy))
    assert plan_repaired(problem, solver="ortools") is None
    assert (
        plan_snapshot(heavy, NOW, "ortools", 0.5, full).solver
        == "ortools:PARALLEL_CHEAPEST_INSERTION+TABU"
    )


def test_the_search_time_grows_with_the_orders_in_hand_up_to_the_stores_setting():
    riders = [Rider(rider_id="r1", at=STORE)]
    few, many = (
        snapshot([order(1, 25)], riders),
        snapshot([order(n, 25) for n in range(80)], riders),
    )
    assert solve_limit(few, 1.0) == pytest.approx(SOLVE_FLOOR_S + SOLVE_S_PER_ORDER)
    assert solve_limit(many, 1.0) == 1.0
    assert solve_limit(few, 0.05) == 0.05


def test_a_route_the_plan_sent_out_is_the_world_as_planned_and_needs_no_search():
    riders = [Rider(rider_id="r1", at=STORE), Rider(rider_id="r2", at=STORE)]
    o1, o2 = order(1, 25), order(2, 28, north_m=-1500)
    snap = snapshot([o1, o2], riders)
    first = plan_snapshot(snap, NOW, "ortools", 0.5, None)
    [route] = [r for r in first.routes if [v.job_id for v in r.visits] == ["o1"]]
    last = LastPlan.of(first)

    out = Rider(rider_id=route.vehicle_id, at=STORE, carrying=[o1])
    rest = [r for r in riders if r.rider_id != route.vehicle_id]
    assert plan_snapshot(snapshot([o2], [out, *rest]), NOW, "ortools", 0.5, last).solver == (
        "ortools:kept"
    )
    # Not sent after all (the world moved while it solved): the rider keeps it for the next.
    unsent = plan_snapshot(snap, NOW, "ortools", 0.5, last)
    assert unsent.solver == "ortools:kept" and LastPlan.of(unsent) == last


@pytest.mark.parametrize("far_first", [True, False])
def test_an_order_that_cannot_wait_takes_the_trip_from_one_that_can(far_first):
    """One rider, a box of one bag: a far door due in 20 minutes (13.5 of riding), or a near
    one the other way due in 45. Alike, the search keeps the cheaper near one whichever came
    first, and the far one misses its promise; weighed by how long each can wait, the far one
    rides and the near one still makes its promise on the next trip."""
    far, near = order(1, 20, north_m=2500), order(2, 45, north_m=-500)
    snap = snapshot(
        [far, near] if far_first else [near, far], [Rider(rider_id="r1", at=STORE)], capacity=1
    )
    jobs = {job.job_id: job for job in build_problem(snap, NOW).jobs}
    assert jobs["o1"].urgency > 2 and jobs["o2"].urgency < 1.05
    planned = plan_snapshot(snap, NOW, "ortools", 0.5, None)
    assert LastPlan.of(planned).routes == {"r1": ["o1"]}
    assert planned.unassigned == ["o2"]
