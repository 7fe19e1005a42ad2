"""Routing rules on small problems checked by hand: real OR-Tools solves, short time limits.

Places sit on a line (node i at `X[i]`), so that a distance is |x - y| and travel takes one
second per unit.
"""

from __future__ import annotations

import time

import msgspec
import pytest
from geopy.distance import geodesic

from services.delivery.promise import Pace, ride_time
from services.delivery.routing import eject, partition, plan_greedy, plan_routes, recombine
from services.delivery.routing.matrix import travel_matrix
from services.delivery.routing.model import Job, Plan, Problem, Vehicle
from services.delivery.routing.ortools_solver import Search
from services.delivery.routing.schedule import place_left_out, plan_of_sequences

LIMIT_S = 0.3


def line(xs: list[float], jobs: list[Job], vehicles: list[Vehicle], **options) -> Problem:
    matrix = [[abs(a - b) for b in xs] for a in xs]
    return Problem(
        durations=matrix,
        distances=matrix,
        jobs=jobs,
        vehicles=vehicles,
        time_limit_s=LIMIT_S,
        **options,
    )


def job(node: int, **fields) -> Job:
    return Job(job_id=f"j{node}", node=node, latest=fields.pop("latest", 10_000), **fields)


def rider(name: str, capacity: int = 10, start: int = 0, **fields) -> Vehicle:
    return Vehicle(vehicle_id=name, start=start, end=0, capacity=capacity, **fields)


def route_of(plan: Plan, vehicle_id: str) -> list[str]:
    return next(
        ([v.job_id for v in r.visits] for r in plan.routes if r.vehicle_id == vehicle_id), []
    )


def test_finds_the_shortest_tour_of_a_tiny_instance():
    # Store at 0, customers at 1, 2, 3 and -1: the best tour is 2 x 3 + 2 x 1 = 8.
    problem = line([0, 1, 2, 3, -1], [job(n) for n in (1, 2, 3, 4)], [rider("a")])

    plan = plan_routes(problem)

    assert plan.feasible and plan.vehicles_used == 1
    assert plan.distance == pytest.approx(8)


def test_no_route_carries_more_than_its_capacity():
    xs = [0, 1, 2, 3, 4, 5]
    problem = line(xs, [job(n, demand=2) for n in range(1, 6)], [rider(v, 4) for v in "abc"])

    plan = plan_routes(problem)

    assert plan.feasible
    loads = [2 * len(r.visits) for r in plan.routes]
    assert max(loads) <= 4 and sum(loads) == 10


def test_hard_windows_are_kept_by_waiting_and_reordering():
    # j2 (at 2) closes at 3, j1 (at 1) opens at 10: j2 first, then wait for j1.
    problem = line(
        [0, 1, 2],
        [job(1, earliest=10, latest=12), job(2, latest=3)],
        [rider("a")],
        hard_windows=True,
    )

    plan = plan_routes(problem)

    assert plan.feasible and plan.lateness_s == 0
    assert route_of(plan, "a") == ["j2", "j1"]
    first, second = plan.routes[0].visits
    assert first.arrival == 2 and second.arrival == 3 and second.departure == 10


def test_hard_windows_leave_out_a_job_that_cannot_be_on_time():
    problem = line(
        [0, 10, -10], [job(1, latest=10), job(2, latest=10)], [rider("a")], hard_windows=True
    )

    plan = plan_routes(problem)

    assert len(plan.unassigned) == 1 and not plan.feasible
    assert plan.lateness_s == 0


def test_soft_windows_plan_every_job_with_the_fewest_late_and_the_least_lateness():
    # Both due at 10, 20 apart: one is on time, the other late whichever goes first.
    problem = line(
        [0, 10, -10],
        [job(1, latest=10, service_s=5), job(2, latest=10)],
        [rider("a")],
    )

    plan = plan_routes(problem)
    lateness_first = plan_routes(problem, Search(on_time_share=0))

    assert not plan.unassigned and plan.late_jobs == 1
    assert plan.lateness_s == pytest.approx(20)  # j2 then j1; j1 (5 s service) then j2: 25
    assert lateness_first.late_jobs == 1 and lateness_first.lateness_s == pytest.approx(20)
    assert route_of(lateness_first, "a") == ["j2", "j1"]


def test_a_promise_that_must_break_breaks_by_seconds_not_minutes():
    # "now" is at the store; "later" is back in 400 s. Near (at 500) is due at 890, far (at
    # -800) at 900: "now" keeps either, "later" reaches near 10 s late or far 300 s late.
    # On time first keeps near on "now" (the shorter ride) and so fails far by 300 s.
    problem = line(
        [0, 500, -800],
        [job(1, latest=890), job(2, latest=900)],
        [rider("now"), rider("later", available_at=400)],
    )

    plan = plan_routes(problem)
    on_time_first_alone = plan_routes(problem, Search(late_share=0))

    assert plan.late_jobs == 1 and plan.lateness_s == pytest.approx(10)
    assert route_of(plan, "now") == ["j2"] and route_of(plan, "later") == ["j1"]
    assert on_time_first_alone.late_jobs == 1 and on_time_first_alone.lateness_s == 300


def test_soft_windows_aim_inside_the_deadline_but_count_late_only_past_it():
    # Due at 100 with a 30 s aim inside: the rider at the store (there at 80) goes, not the
    # one back at 0 in 15 s (there at 95, on time yet inside the aim).
    problem = line(
        [0, 80],
        [job(1, latest=100)],
        [rider("back", available_at=15), rider("gone", available_at=0)],
        aim_inside_s=30,
    )
    tight = msgspec.structs.replace(problem, jobs=[job(1, latest=60)])

    plan = plan_routes(problem)

    assert route_of(plan, "gone") == ["j1"] and plan.late_jobs == 0
    assert plan_routes(tight).late_jobs == 1 and plan_routes(tight).lateness_s == 20


def test_carried_jobs_stay_with_their_rider_who_takes_nothing_new():
    # Rider "out" is at 9 carrying j1 (at 1, next to the store); j2 is at 8, next to them.
    problem = line(
        [0, 1, 8, 9],
        [job(1), job(2)],
        [rider("out", start=3, carried=["j1"], accepts_new=False), rider("home")],
    )

    plan = plan_routes(problem)

    assert route_of(plan, "out") == ["j1"]
    assert route_of(plan, "home") == ["j2"]


def test_a_rider_on_the_road_rides_their_stops_in_the_order_they_follow():
    # "out" at 5 carries j3 (at 9) then j1 (at 1), the order of their route's stops: their
    # ETAs follow that order, though j1 first would be shorter.
    problem = line(
        [0, 1, 5, 9],
        [job(1), job(3)],
        [rider("out", start=2, carried=["j3", "j1"], accepts_new=False), rider("home")],
    )

    plan = plan_routes(problem)

    assert route_of(plan, "out") == ["j3", "j1"] and route_of(plan, "home") == []
    (route,) = plan.routes
    assert [v.arrival for v in route.visits] == [4, 12]


def test_an_order_the_search_leaves_out_goes_alone_to_the_idle_rider_nearest_it():
    # j1 is planned on "a"; j2 and j3 were left out. "b" (at 4, free at 0) reaches j3 (at 5)
    # in 1, j2 (at 2) in 2; "c" (at the store, free at 10) reaches j2 in 12. The most urgent
    # first: j3 takes "b", then j2 "c"; nothing is left for a job with no idle rider.
    problem = line(
        [0, 1, 2, 4, 5],
        [job(1), job(2, latest=50), job(4, latest=20), job(0, latest=90)],
        [rider("a"), rider("b", start=3), rider("c", available_at=10)],
    )

    placed = place_left_out(problem, [[0], [], []])

    assert placed == [[0], [2], [1]]


def test_a_rider_who_accepts_nothing_new_gets_nothing():
    problem = line([0, 1], [job(1)], [rider("busy", accepts_new=False)])

    plan = plan_routes(problem)

    assert plan.unassigned == ["j1"] and not plan.routes


def test_no_rider_leaves_before_they_are_available():
    # "late" is free at 100 and 1 away; "far" is free now but 200 away: "late" arrives first.
    problem = line(
        [0, 1, 201],
        [job(1, latest=50)],
        [rider("far", start=2), rider("late", available_at=100)],
    )

    plan = plan_routes(problem)

    (route,) = plan.routes
    assert route.vehicle_id == "late" and route.start_at == 100
    assert route.visits[0].arrival == 101 and route.visits[0].late_s == 51


def test_warm_start_survives_routes_that_no_longer_fit():
    # The previous plan names a job that is gone and gives j1, now carried by "out", to "home".
    problem = line(
        [0, 1, 2, 5],
        [job(1), job(2)],
        [rider("out", start=3, carried=["j1"], accepts_new=False), rider("home")],
        previous=[[], ["gone", "j1", "j2"]],
    )

    plan = plan_routes(problem)

    assert plan.feasible
    assert route_of(plan, "out") == ["j1"] and route_of(plan, "home") == ["j2"]


def test_vehicles_are_minimised_first_when_they_cost():
    # Two riders could split the line in two short trips; one tour costs 2 more but a
    # vehicle less.
    xs = [0, 1, -1]
    cheap = plan_routes(line(xs, [job(1), job(2)], [rider("a"), rider("b")]))
    few = plan_routes(line(xs, [job(1), job(2)], [rider("a"), rider("b")], vehicle_cost=100))

    assert cheap.vehicles_used in (1, 2) and cheap.distance == pytest.approx(4)
    assert few.vehicles_used == 1 and few.distance == pytest.approx(4)


def test_an_ejection_pool_places_a_job_by_moving_one_that_blocks_it():
    # All three at 10 with 5 minutes of service. j_z fits on neither route as it stands: on a
    # it clashes with j_x's window (one of them would start at 15), on b the box is full. A
    # job goes out to make room and finds a place itself (j_y after j_x or j_z on a).
    x, y, z = (
        Job(job_id=name, node=1, demand=demand, earliest=10, latest=latest, service_s=5)
        for name, demand, latest in (("j_x", 1, 10), ("j_y", 2, 100), ("j_z", 1, 12))
    )
    problem = line(
        [0, 10], [x, y, z], [rider("a", capacity=3), rider("b", capacity=2)], hard_windows=True
    )

    found = eject.repair(problem, [[0], [1]], [0, 1], until=time.perf_counter() + 5)

    assert found is not None and sorted(j for route in found for j in route) == [0, 1, 2]
    assert plan_of_sequences(problem, found, solve_s=0, solver="").feasible
    assert [sum(problem.jobs[j].demand for j in route) for route in found] == [3, 1]
    assert eject.repair(problem, [[0], [1]], [0, 1], until=time.perf_counter()) is None


def test_recombining_two_full_routes_swaps_their_jobs_in_the_order_windows_allow():
    # Each box full with one door each side of the store (40 + 44); one side per rider is 22 +
    # 22, but no single job can move (capacity) and the door at 11 closes at 11: it must come
    # before the door at 10, whose 5 units of service would make it late.
    jobs = [
        job(1, service_s=5, latest=100),
        job(2, latest=11),
        job(3, latest=100),
        job(4, latest=100),
    ]
    problem = line(
        [0, 10, 11, -10, -11], jobs, [rider("a", capacity=2), rider("b", capacity=2)],
        hard_windows=True,
    )  # fmt: skip

    found = recombine.improve(problem, [[0, 2], [1, 3]], until=time.perf_counter() + 5)

    plan = plan_of_sequences(problem, found, solve_s=0, solver="")
    assert plan.feasible and plan.distance == pytest.approx(44)
    assert sorted(found) == [[1, 0], [2, 3]] or sorted(found) == [[1, 0], [3, 2]]
    assert recombine.improve(problem, [[0, 2], [1, 3]], until=time.perf_counter()) == [
        [0, 2],
        [1, 3],
    ]


def test_partitioning_takes_the_shortest_routes_the_pool_holds():
    # Doors at 10 and 11 one side of the store, -10 and -11 the other; the plan rides each
    # box across the store (40 + 44). The pool holds each side as one route (22 + 22) and
    # some doors alone; the idle rider stays idle.
    jobs = [job(1), job(2), job(3), job(4)]
    riders = [rider("a", capacity=2), rider("b", capacity=2), rider("c", capacity=2)]
    problem = line([0, 10, 11, -10, -11], jobs, riders, hard_windows=True)
    pool: partition.Pool = {}
    partition.remember(pool, [(22, (0, 1)), (22, (3, 2)), (20, (0,)), (22, (1,)), (20, (2,))])

    found = partition.improve(problem, [[0, 2], [1, 3], []], pool, until=time.perf_counter() + 5)

    assert found is not None and found[2] == []
    assert sorted(found[:2]) == [[0, 1], [3, 2]]
    assert plan_of_sequences(problem, found, solve_s=0, solver="").distance == pytest.approx(44)
    assert partition.improve(problem, found, pool, until=time.perf_counter() + 5) is None


def test_greedy_sends_one_order_per_trip_back_through_the_store():
    problem = line([0, 1, 5], [job(1, latest=100), job(2, latest=200)], [rider("a")])

    plan = plan_greedy(problem)

    (route,) = plan.routes
    first, second = route.visits
    assert (first.job_id, first.arrival) == ("j1", 1)
    assert (second.job_id, second.arrival) == ("j2", 2 + 5)  # back at the store at 2
    assert route.distance == 2 + 10 and route.end_at == 12


def test_greedy_gives_each_order_to_the_rider_who_reaches_it_first():
    # By due time: j1 first. "far" (at 10, free now) would arrive at 9; "soon" (store, free
    # at 3) at 4. Then j2 (at 10): "far" is there at 0.
    problem = line(
        [0, 1, 10],
        [job(2, latest=60), job(1, latest=50)],
        [rider("far", start=2), rider("soon", available_at=3)],
    )

    plan = plan_greedy(problem)

    assert route_of(plan, "soon") == ["j1"]
    assert route_of(plan, "far") == ["j2"]
    assert plan.solver == "greedy" and plan.feasible


def test_greedy_delivers_what_a_rider_carries_before_anything_new():
    problem = line(
        [0, 1, 2, 3],
        [job(1, latest=100), job(2, latest=5)],
        [rider("out", start=3, carried=["j1"], accepts_new=False), rider("home")],
    )

    plan = plan_greedy(problem)

    assert route_of(plan, "out") == ["j1"] and route_of(plan, "home") == ["j2"]


def test_travel_matrix_rides_the_geodesic_times_the_detour_at_rider_speed():
    store, door = (34.6913, 135.1955), (34.7003, 135.1955)  # about 1 km north
    durations, distances = travel_matrix([store, door], detour_factor=1.35, speed_kmh=15)

    metres = geodesic(store, door).meters
    assert distances[0][0] == durations[1][1] == 0
    assert distances[0][1] == distances[1][0] == pytest.approx(metres * 1.35)
    # The promise's ride time, up to its whole-metre rounding (1 m is 0.3 s).
    assert durations[0][1] == pytest.approx(ride_time(round(metres), Pace()).total_seconds(), abs=1)
    assert durations[0][1] == pytest.approx(metres * 1.35 / (15 / 3.6))
