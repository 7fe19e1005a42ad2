"""The simulator's summary counts what a store manager means: every paid order against the
30 minutes, riders busy until they are back at the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from infra.simulate.measure import Measured, OrderRow, figures
from infra.simulate.report import plots, to_metres
from infra.simulate.scenario import Scenario

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
STORE = (34.6937, 135.1955)
DOOR = (34.7037, 135.1955)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def order(n: int, status: str, **stages: float) -> OrderRow:
    return OrderRow(
        order_id=f"o{n}",
        status=status,
        promise_at=at(30),
        stages={"paid": at(0), **{k: at(v) for k, v in stages.items()}},
        claimed=at(1),
    )


def test_every_paid_order_counts_against_the_30_minutes_and_riders_until_back():
    orders = [
        order(1, "delivered", packed=5, out_for_delivery=8, delivered=20),
        order(2, "delivered", packed=5, out_for_delivery=8, delivered=35),  # late
        order(3, "delivery_failed", packed=5, out_for_delivery=8, delivery_failed=25),  # at door
        order(4, "packed", packed=6),  # never left: late
    ]
    routes = [  # rider-1 out at 8, last door at 35, back at the store at 45
        {"rider_id": "rider-1", "picked_up_at": at(8), "done_at": at(35), "stops": 3},
    ]
    pings = {
        "rider-1": [(at(8), *STORE), (at(20), *DOOR), (at(35), *DOOR), (at(45), *STORE)],
    }
    substitutions = {"proposed": 0, "approved": 0, "by_preference": 0}
    measured = Measured(orders, routes, pings, substitutions, at(0), at(90), STORE)
    sc = Scenario(riders=2, hours=1.0)

    numbers = figures(measured, {"refused: urn:omo:problem:no-promise": 3}, sc)

    assert numbers["orders placed (paid)"] == 4
    assert numbers["orders refused at checkout"] == 3
    assert numbers["at the door within 30 min of payment (% of paid)"] == 50.0  # 1 and 3
    assert numbers["delivered by the promise (% of delivered)"] == 50.0
    assert numbers["not finished when the run ended"] == 1
    assert numbers["click-to-door max (min)"] == 35.0
    # 37 of the 120 rider-minutes of the hour of orders: away from 8 until back at 45
    assert abs(numbers["rider utilisation while orders arrive (%)"] - 100 * 37 / 120) < 1e-9
    assert numbers["orders per trip"] == 3


def test_the_route_map_is_into_metres_from_the_store():
    east, north = to_metres(STORE[0] + 0.01, STORE[1] + 0.01, STORE)
    assert abs(north - 1105.7) < 1  # a hundredth of a degree of latitude
    assert abs(east - 1113.2 * 0.8222) < 1  # of longitude, at Kobe's 34.69 degrees north


def test_the_report_draws_its_four_pictures(tmp_path):
    orders = [order(n, "delivered", packed=5, delivered=10 + n) for n in range(25)]
    pings = {"rider-1": [(at(8), *STORE), (at(20), *DOOR), (at(45), *STORE)]}
    samples = [
        {"at": at(k), "pick tasks queued": k % 4, "pick tasks in progress": 1}
        | {"ready for a rider": k % 2, "with a rider": 1}
        for k in range(40)
    ]
    measured = Measured(orders, [], pings, {}, at(0), at(60), STORE, samples)
    plots(tmp_path, measured)
    for name in ("delivery_times", "on_time", "queues", "routes"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name
