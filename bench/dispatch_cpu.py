"""The dispatcher's CPU a store-hour, as it plans now and as it planned before (issue 19 part 3),
side by side on the same evening, with what the store and its shoppers got beside each.

    python -m bench.dispatch_cpu [--preset hema-peak] [--riders 64] [--pickers N] [--seed 7]
                                 [--orders-per-hour N] [--till-sales-per-hour N]

Both play the fast mode's evening (`infra.simulate.fast`: the services' own pure rules on a
discrete-event clock, so the same seed is the same arrivals, pickers and riders). "now" plans
as the dispatcher does (`dispatcher.plan_snapshot`: the last plan repaired, a descent, a search
sized to the orders in hand only when a promise a rider could keep is broken). "searched every
plan" is the dispatcher when the issue was filed: an OR-Tools search from the last plan for the
store's whole time limit at every re-plan (1 s at `hema-peak`). CPU is the solver's process
time; the fast mode does not count it as store time, so a slow solve changes no figure but its
own. Wall time: the search-every-plan evening takes a second a plan (10-20 minutes at
`hema-peak`).
"""

from __future__ import annotations

import argparse
from datetime import datetime

from infra.simulate.fast import dispatching
from infra.simulate.fast.run import simulate_fast
from infra.simulate.report import table
from infra.simulate.scenario import PRESETS
from services.delivery.dispatch.dispatcher import plan_snapshot
from services.delivery.dispatch.planning import LastPlan, Snapshot, build_problem
from services.delivery.routing.model import Plan
from services.delivery.routing.ortools_solver import plan_routes


def searched_every_plan(
    snap: Snapshot, now: datetime, policy: str, time_limit_s: float, last: LastPlan | None
) -> Plan:
    """The dispatcher before issue 19: a search from the last plan, for the whole limit."""
    previous = last.previous(snap) if last else None
    return plan_routes(build_problem(snap, now, time_limit_s=time_limit_s, previous=previous))


PLANNERS = {"now": plan_snapshot, "searched every plan": searched_every_plan}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch_cpu", description=__doc__)
    parser.add_argument("--preset", default="hema-peak", choices=sorted(PRESETS))
    parser.add_argument("--riders", type=int)
    parser.add_argument("--pickers", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--orders-per-hour", type=float)
    parser.add_argument("--till-sales-per-hour", type=float)
    args = parser.parse_args(argv)
    given = {
        "riders": args.riders,
        "pickers": args.pickers,
        "seed": args.seed,
        "orders_per_hour": args.orders_per_hour,
        "till_sales_per_hour": args.till_sales_per_hour,
    }
    scenario = PRESETS[args.preset].with_(**{k: v for k, v in given.items() if v is not None})
    columns: dict[str, dict[str, object]] = {}
    for name, planner in PLANNERS.items():
        dispatching.plan_snapshot = planner  # the fast dispatcher's one call into the planner
        try:
            columns[name] = simulate_fast(scenario, None)
        finally:
            dispatching.plan_snapshot = plan_snapshot
    print(
        f"{args.preset}, {scenario.pickers} pickers, {scenario.riders} riders, seed "
        f"{scenario.seed}, {scenario.orders_per_hour:g} orders an hour"
    )
    print(table(columns))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
