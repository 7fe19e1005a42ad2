"""The simulator's report says what a store manager means: every paid order against the
30 minutes, riders busy until they are back at the store, the store's own clock, whole orders,
the targets and how many orders each point is of, and a map in metres."""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta

import matplotlib.pyplot as plt
import pytest

from infra.simulate import plots, report
from infra.simulate.fast.search import WITHIN_30, Target, Tried
from infra.simulate.measure import Measured, OrderRow, figures
from infra.simulate.plots import Point, to_metres
from infra.simulate.scenario import Scenario
from services.delivery.routing.matrix import straight_line_m

T0 = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
STORE = (34.6937, 135.1955)
DOOR = (34.7037, 135.1955)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(straight_line_m([a, b])[0, 1])


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
    assert numbers["paid to door max (min)"] == 35.0
    # 37 of the 120 rider-minutes of the hour of orders: away from 8 until back at 45
    assert abs(numbers["rider utilisation while orders arrive (%)"] - 100 * 37 / 120) < 1e-9
    assert numbers["orders per trip"] == 3


def test_the_route_map_is_in_metres_at_one_scale_east_and_north():
    for lat, lng in ((34.72, STORE[1]), (STORE[0], 135.225), (34.675, 135.17)):
        east, north = to_metres(lat, lng, STORE)  # as the delivery service measures its zone
        assert math.isclose(math.hypot(east, north), metres(STORE, (lat, lng)), rel_tol=1e-4)
    east, north = to_metres(STORE[0] + 0.01, STORE[1] + 0.01, STORE)
    # a degree of longitude is cos 34.69 degrees of one of latitude, on the ellipsoid
    assert north > 0 and east > 0 and abs(east / north - 0.826) < 0.001
    fig = plots.routes(Measured([], [], {}, {}, at(0), at(60), STORE))
    ax = fig.axes[0]
    assert ax.get_aspect() == 1.0  # equal scale: east-west is not stretched
    assert ax.get_xlim() == ax.get_ylim() == pytest.approx((-3300, 3300))  # the 3 km zone and more
    assert "metres" in ax.get_xlabel() and "metres" in ax.get_ylabel()
    plt.close(fig)


def test_the_summary_and_orders_csv_speak_the_stores_clock(tmp_path):
    measured = Measured([order(1, "delivered", delivered=20)], [], {}, {}, at(0), at(60), STORE)
    report.write(tmp_path, "smoke", Scenario(), measured, {"orders placed (paid)": 1}, 3.0)
    summary = (tmp_path / "summary.md").read_text()
    assert "Store time 2026-11-24 03:00:00 to 2026-11-24 04:00:00 (Asia/Tokyo)" in summary
    assert "UTC" not in summary and "18:00" not in summary
    (row,) = csv.DictReader((tmp_path / "orders.csv").open())
    assert row["paid"] == "2026-11-24T03:00:00+09:00"
    assert row["delivered"] == "2026-11-24T03:20:00+09:00"


def test_the_histogram_counts_whole_orders_under_the_summarys_name():
    orders = [order(n, "delivered", delivered=10 + n % 3) for n in range(7)]
    substitutions = {"proposed": 0, "approved": 0, "by_preference": 0}
    measured = Measured(orders, [], {}, substitutions, at(0), at(60), STORE)
    ax = plots.door_times(measured).axes[0]
    assert all(tick == int(tick) for tick in ax.get_yticks())
    assert ax.get_xlabel() == "paid to door (min)" and ax.get_title().startswith("Paid to door")
    assert "paid to door p50 (min)" in figures(measured, {}, Scenario())
    plt.close("all")


def test_a_late_order_after_closing_shows_as_one_order_against_the_targets():
    orders = [order(n, "delivered", delivered=20) for n in range(20)]
    late = OrderRow("late", "delivered", at(92), {"paid": at(62), "delivered": at(100)})
    measured = Measured([*orders, late], [], {}, {}, at(0), at(110), STORE)

    assert plots.window_min(measured) == 15  # orders came for over an hour
    assert plots.on_time_points(measured, 15) == [
        Point(7.5, 20, 100, 100),
        Point(67.5, 1, 0, 0),
    ]
    ax = plots.on_time(measured, Target()).axes[0]
    assert {t.get_text() for t in ax.texts} == {"n=20", "n=1"}
    targets = [line.get_ydata()[0] for line in ax.get_lines() if "target" in line.get_label()]
    assert targets == [99.0, 99.5]
    plt.close("all")


def test_picking_and_riding_queues_have_their_own_axes():
    samples = [
        {"at": at(k), "pick tasks queued": 30, "pick tasks in progress": 4}
        | {"ready for a rider": 1, "with a rider": 2}
        for k in range(5)
    ]
    fig = plots.queues(Measured([], [], {}, {}, at(0), at(5), STORE, samples))
    pick, ride = fig.axes
    assert [line.get_label() for line in pick.get_lines()] == [
        "pick tasks queued",
        "pick tasks in progress",
    ]
    assert [line.get_label() for line in ride.get_lines()] == ["ready for a rider", "with a rider"]
    assert ride.get_xlabel() == "minutes since opening"
    plt.close(fig)


def test_the_staffing_plot_has_a_line_per_picker_count_against_riders():
    def tried(pickers: int, riders: int, share: float) -> Tried:
        return Tried(pickers, riders, {WITHIN_30: share}, share >= 99, 1.0)

    runs = [tried(4, 10, 99.5), tried(3, 12, 98.0), tried(4, 8, 96.0), tried(3, 14, 99.2)]
    lines = plots.staffing_lines(runs)
    assert {p: [(t.riders, t.within_30) for t in ts] for p, ts in lines.items()} == {
        3: [(12, 98.0), (14, 99.2)],
        4: [(8, 96.0), (10, 99.5)],
    }
    ax = plots.staffing(runs, Target(), (4, 10)).axes[0]
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["3 pickers", "4 pickers", "target 99 %"]
    assert ax.get_xlabel() == "riders"
    assert [t.get_text() for t in ax.texts] == ["answer: 4 pickers, 10 riders"]
    plt.close("all")


def test_the_report_draws_its_four_pictures(tmp_path):
    orders = [order(n, "delivered", packed=5, delivered=10 + n) for n in range(25)]
    pings = {"rider-1": [(at(8), *STORE), (at(20), *DOOR), (at(45), *STORE)]}
    samples = [
        {"at": at(k), "pick tasks queued": k % 4, "pick tasks in progress": 1}
        | {"ready for a rider": k % 2, "with a rider": 1}
        for k in range(40)
    ]
    measured = Measured(orders, [], pings, {}, at(0), at(60), STORE, samples)
    plots.draw(tmp_path, measured, Target())
    for name in ("delivery_times", "on_time", "queues", "routes"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000, name
