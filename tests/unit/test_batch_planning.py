"""plan_batch: the task due first, then the ones that share its walk; route_length: metres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.fulfillment.batches.planning import (
    AISLE_PITCH_M,
    BAY_M,
    HORIZON,
    Candidate,
    Stop,
    plan_batch,
    route_length,
)

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def task(name: str, *stops: tuple[int, int], zone: str = "ambient", due: int = 0) -> Candidate:
    return Candidate(
        task_id=name,
        zone=zone,  # type: ignore[arg-type]
        deadline=T0 + timedelta(minutes=due),
        stops=[Stop(a, b, 1) for a, b in stops],
    )


def test_a_walk_goes_up_an_aisle_and_back_by_the_shorter_cross_aisle():
    bays = 10
    one = route_length([Stop(1, 1, 1)], bays=bays)
    assert one == 2 * (AISLE_PITCH_M + 0.5 * BAY_M)
    # the far ends of two neighbouring aisles: across the back, not back to the front
    far = route_length([Stop(1, 10, 1), Stop(2, 10, 1)], bays=bays)
    assert far == (AISLE_PITCH_M + 9.5 * BAY_M) + AISLE_PITCH_M + 2 * BAY_M * 0.5 + (
        2 * AISLE_PITCH_M + 9.5 * BAY_M
    )
    assert route_length([], bays=bays) == 0
    assert route_length([Stop(3, 2, 1), Stop(3, 2, 4)], bays=bays) == route_length(
        [Stop(3, 2, 1)], bays=bays
    )


def test_the_task_due_first_leads_and_only_its_zone_joins():
    queue = [
        task("late", (1, 1), due=8),
        task("first", (1, 1), due=0),
        task("frozen", (1, 1), zone="frozen", due=5),
        task("next", (1, 2), due=2),
    ]
    batch = plan_batch(queue, size=4, bays=8)
    assert batch[0].task_id == "first"
    assert {c.task_id for c in batch} == {"first", "next", "late"}
    assert plan_batch([], bays=8) == []


def test_tasks_that_share_the_walk_are_preferred_within_the_horizon():
    queue = [
        task("first", (8, 3), due=0),
        task("far", (12, 8), due=1),
        task("near", (8, 4), due=5),
        task("beyond", (8, 3), due=int(HORIZON.total_seconds() // 60) + 1),
    ]
    assert [c.task_id for c in plan_batch(queue, size=2, bays=8)] == ["first", "near"]
    assert [c.task_id for c in plan_batch(queue, size=4, bays=8)] == ["first", "near", "far"]


def test_a_batch_has_at_most_size_tasks_and_each_once():
    queue = [task(f"t{i}", (i % 5 + 1, i % 7 + 1), due=i % 3) for i in range(20)]
    batch = plan_batch(queue, size=4, bays=8)
    assert len(batch) == 4 and len({c.task_id for c in batch}) == 4
    assert batch[0].task_id == "t0"
