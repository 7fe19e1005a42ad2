"""The `omo` command: run, migrate, serve, mint tokens, and look after the event bus."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from shared.errors import ConfigError, DatabaseUnavailable

ROLES = ("shopper", "cashier", "picker", "rider", "manager", "service", "operator")


def _up(args: argparse.Namespace) -> int:
    from infra.up import run_up

    return run_up(fresh=args.fresh)


def _migrate(_args: argparse.Namespace) -> int:
    from infra.prepare import migrate_all
    from shared.settings import Settings, load

    applied = asyncio.run(migrate_all(load(Settings).database_url))
    print("\n".join(f"applied {name}" for name in applied) or "nothing to apply; schema is current")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from infra.prepare import check_ready_to_serve
    from infra.registry import SERVICES
    from shared.logs import configure_logging
    from shared.settings import load

    entry = SERVICES[args.service]
    settings = load(entry.settings)
    asyncio.run(check_ready_to_serve(settings.database_url, args.service))
    configure_logging(args.service, level=settings.log_level, fmt=settings.log_format)
    # N processes on one port: each builds its own app (infra/workers.py).
    app = f"infra.workers:{args.service}" if args.workers > 1 else entry.create_app(settings)
    uvicorn.run(
        app,
        factory=args.workers > 1,
        workers=args.workers,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        log_config=None,  # uvicorn's lines go through our handler: same format, same fields
        access_log=settings.log_level == "debug",
    )
    return 0


def _dispatch(_args: argparse.Namespace) -> int:
    import signal

    from infra.prepare import check_ready_to_serve
    from services.delivery.dispatch.dispatcher import Dispatcher
    from services.delivery.dispatch.metrics import serve_metrics
    from services.delivery.settings import DeliverySettings
    from shared.logs import configure_logging
    from shared.settings import load

    settings = load(DeliverySettings)
    asyncio.run(check_ready_to_serve(settings.database_url, "delivery"))
    configure_logging("dispatcher", level=settings.log_level, fmt=settings.log_format)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        dispatcher = Dispatcher(settings)
        jobs = [dispatcher.run(stop)]
        if settings.dispatcher_port:
            jobs.append(
                serve_metrics(
                    dispatcher.metrics,
                    settings,
                    host=settings.host,
                    port=settings.dispatcher_port,
                    stop=stop,
                )
            )
        await asyncio.gather(*jobs)

    asyncio.run(run())
    return 0


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of 1 or more")
    return value


def share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


def staffing(text: str) -> list[tuple[int, int]]:
    """`5/14,6/25,6/24`: pickers/riders of each store, in the city's order."""
    try:
        return [(positive(p), positive(r)) for p, r in (s.split("/") for s in text.split(","))]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text}: give PICKERS/RIDERS for each store, comma-separated (5/14,6/25,6/24)"
        ) from None


def _simulate(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from infra.simulate.city import CITIES
    from infra.simulate.report import table
    from infra.simulate.run import simulate_all
    from infra.simulate.scenario import PRESETS
    from infra.simulate.stack import report_dir

    logging.basicConfig(level="WARNING", format="%(name)s: %(message)s")
    logging.getLogger("omo.simulate").setLevel(os.environ.get("OMO_SIMULATE_LOG", "INFO").upper())
    scenario = PRESETS[args.preset].with_(
        orders_per_hour=args.orders_per_hour,
        pickers=args.pickers,
        riders=args.riders,
        hours=args.hours,
        clock_speed=args.clock_speed,
        seed=args.seed,
        policy=args.policy,
        till_sales_per_hour=args.till_sales_per_hour,
        seconds_per_item=args.seconds_per_item,
        short_share=args.short_share,
        approve_share=args.approve_share,
        speed_kmh=args.rider_speed,
        fail_share=args.fail_share,
        box_bags=args.box_bags,
    )
    if args.preset in CITIES:
        if args.use_running:
            raise SystemExit("--preset city opens its stores on services of its own")
        city = CITIES[args.preset].everyone(args.pickers, args.riders)
        if args.staff_per_store:
            try:
                city = city.each(args.staff_per_store)
            except ValueError as exc:
                raise SystemExit(f"--staff-per-store: {exc}") from None
        return _simulate_city(args, scenario, city)
    if args.find_staff or args.fast:
        return _simulate_fast(args, scenario)
    policies: list[str] = _policies(args.compare) if args.compare else [scenario.policy]
    if args.use_running and len(policies) > 1:
        raise SystemExit("--compare starts the services once per policy; drop --use-running")
    out = Path(args.out) if args.out else report_dir(None, args.preset)
    columns = simulate_all(scenario, policies, out, use_running=args.use_running)
    print(table(columns))
    print(f"report: {out}")
    return 0


def _policies(compare: str) -> list[str]:
    """`--compare`'s dispatch policies, each known."""
    policies = compare.split(",")
    if unknown := set(policies) - {"ortools", "greedy"}:
        raise SystemExit(f"--compare: no dispatch policy {', '.join(sorted(unknown))}")
    return policies


def _simulate_fast(args: argparse.Namespace, scenario) -> int:
    """`--fast`: the evening on a discrete-event clock; `--find-staff`: the fewest staff that
    keep the target, by fast runs; `--against-full`: the same staffing on the services too;
    `--compare`: each policy at the same staffing on the same seed."""
    import time
    from pathlib import Path

    from infra.simulate import plots
    from infra.simulate.fast.run import Played, players, simulate_fast, write
    from infra.simulate.fast.search import Target, find_staff
    from infra.simulate.fast.search import table as staff_table
    from infra.simulate.report import table
    from infra.simulate.run import simulate
    from infra.simulate.stack import report_dir

    if args.compare and (args.find_staff or args.against_full):
        raise SystemExit(
            "--compare plays each policy at one staffing: drop --find-staff, --against-full"
        )
    out = Path(args.out) if args.out else report_dir(None, f"{args.preset}-fast")
    target = Target(within_30=args.target_within_30, kept=args.target_kept)
    if args.find_staff:
        wall = time.monotonic()
        played: dict[tuple[int, int], Played] = {}
        with players(target, args.workers) as play_all:

            def some(scenarios) -> list[dict]:
                for sc, run in zip(scenarios, play_all(scenarios), strict=True):
                    played[sc.pickers, sc.riders] = run
                return [played[sc.pickers, sc.riders].numbers for sc in scenarios]

            search, pickers, riders = find_staff(scenario, target, some, workers=args.workers)
        text = staff_table(search, pickers, riders)
        text += f"\nsearch wall time {time.monotonic() - wall:.0f} s"
        print(text)
        out.mkdir(parents=True, exist_ok=True)
        (out / "staffing.md").write_text(text + "\n", encoding="utf-8")
        plots.save(plots.staffing(search.tried, target, (pickers, riders)), out / "staffing.png")
        scenario = scenario.with_(pickers=pickers, riders=riders)
        # The answer's evening was played in full by the search (a cut run never passes):
        # its report is that run's, not a second play of it.
        write(out / "fast", "fast", scenario, played[pickers, riders], target)
        columns = {"fast": played[pickers, riders].numbers}
    elif args.compare:
        columns = {
            policy: simulate_fast(scenario.with_(policy=policy), out / policy, policy, target)
            for policy in _policies(args.compare)
        }
    else:
        columns = {"fast": simulate_fast(scenario, out / "fast", "fast", target)}
    if args.against_full:
        columns["full services"] = simulate(scenario, "full", out / "full", use_running=False)
    print(table(columns))
    (out / "compare.md").write_text(table(columns) + "\n", encoding="utf-8")
    print(f"report: {out}")
    return 0


def _simulate_city(args: argparse.Namespace, scenario, city) -> int:
    """`--preset city`: the city's stores on the services, a column each and the city's; with
    `--fast` on one clock, with `--find-staff` each store's fewest staff first
    (`fast.city_search`), with `--against-full` fast and full side by side."""
    import time
    from pathlib import Path

    from infra.simulate.fast.city import simulate_city
    from infra.simulate.fast.city_search import find_city_staff
    from infra.simulate.fast.city_search import table as staff_table
    from infra.simulate.fast.search import Target
    from infra.simulate.full_city import simulate_city_full
    from infra.simulate.report import table
    from infra.simulate.stack import report_dir

    fast = args.fast or args.find_staff
    out = Path(args.out) if args.out else report_dir(None, args.preset + ("-fast" * fast))
    if args.find_staff:
        target = Target(within_30=args.target_within_30, kept=args.target_kept)
        wall = time.monotonic()
        done, city = find_city_staff(
            scenario, city, target, lambda sc, c: simulate_city(sc, c, None)
        )
        text = staff_table(done, city, target)
        text += f"\nsearch wall time {time.monotonic() - wall:.0f} s"
        print(text)
        out.mkdir(parents=True, exist_ok=True)
        (out / "staffing.md").write_text(text + "\n", encoding="utf-8")
    if not fast:
        columns = simulate_city_full(scenario, city, out)
    elif args.against_full:
        quick = simulate_city(scenario, city, out / "fast")
        full = simulate_city_full(scenario, city, out / "full")
        columns = {f"{n} {m}": c[n] for n in quick for m, c in (("fast", quick), ("full", full))}
        (out / "compare.md").write_text(table(columns) + "\n", encoding="utf-8")
    else:
        columns = simulate_city(scenario, city, out)
    print(table(columns))
    print(f"report: {out}")
    return 0


def _token(args: argparse.Namespace) -> int:
    from infra.staff import check_subject
    from shared.auth import Role, mint
    from shared.settings import Settings, load

    settings = load(Settings)
    asyncio.run(check_subject(settings.database_url, Role(args.role), args.store, args.subject))
    token = mint(
        settings.jwt_secret,
        Role(args.role),
        subject=args.subject,
        store_id=args.store,
        member_id=args.member,
        ttl_s=args.ttl,
    )
    print(token)
    return 0


def _events(args: argparse.Namespace) -> int:
    from shared.bus import dead_letters, retry_dead
    from shared.db import connect
    from shared.settings import Settings, load

    if args.action == "trim":
        return _trim()

    async def run() -> int:
        settings = load(Settings)
        conn = await connect(settings.database_url)
        try:
            if args.action == "stats":
                from infra.registry import all_trims
                from shared.bus.stats import collect, render

                print(render(await collect(conn, all_trims(), settings)))
            elif args.action == "dead":
                rows = await dead_letters(conn, args.consumer)
                for r in rows:
                    print(
                        f"{r['consumer']}\tseq {r['seq']}\t{r['topic']}\tkey {r['key']}\t"
                        f"tries {r['attempts']}\t{r['parked_at']:%Y-%m-%dT%H:%M:%SZ}\t"
                        f"{r['last_error']}"
                    )
                print(f"{len(rows)} dead letter(s)", file=sys.stderr)
            else:
                revived = await retry_dead(conn, args.consumer, args.seq)
                for consumer, count in revived.items():
                    print(f"{consumer}: {count} event(s) back in the queue")
                if not revived:
                    print("no dead letters matched", file=sys.stderr)
            return 0
        finally:
            await conn.close()

    return asyncio.run(run())


def _trim() -> int:
    """Every retention trim once, now (the services run them on their own timer too)."""
    from infra.registry import all_trims
    from shared.clock import Clock
    from shared.db import create_pool
    from shared.retention import trim_all
    from shared.settings import Settings, load

    settings = load(Settings)

    async def run() -> int:
        pool = await create_pool(settings.database_url, max_size=2)
        try:
            clock = Clock(settings.clock_speed, settings.clock_start)
            done = await trim_all(pool, all_trims(), settings, clock)
        finally:
            await pool.close()
        for what, result in done.items():
            print(f"{what}: {result if isinstance(result, str) else f'{result:,} row(s) trimmed'}")
        return 1 if any(isinstance(r, str) for r in done.values()) else 0

    return asyncio.run(run())


def _version() -> str:
    """The installed distribution's version (pyproject.toml's), as `pip show` reports it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("omo-grocery")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="omo", description="omo-grocery: run and operate the system")
    p.add_argument("--version", action="version", version=f"omo-grocery {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser(
        "up",
        help="start the database, the three services and localstripe",
        epilog="Set from the environment (README.md, Configuration): OMO_DATA_DIR, the database's"
        " folder (default ./.omo); OMO_ORDERS_PORT, OMO_FULFILLMENT_PORT, OMO_DELIVERY_PORT,"
        " OMO_STRIPE_PORT and OMO_DELIVERY_DISPATCHER_PORT; DATABASE_URL to use a PostgreSQL"
        " of your own instead.",
    )
    up.add_argument("--fresh", action="store_true", help="start from an empty database")
    up.set_defaults(run=_up)
    sub.add_parser("migrate", help="apply pending migrations").set_defaults(run=_migrate)
    serve = sub.add_parser("serve", help="run one service (omo up runs all three)")
    serve.add_argument("service", choices=("orders", "fulfillment", "delivery"))
    serve.add_argument(
        "--workers",
        type=positive,
        default=1,
        help="processes sharing the port, each a whole instance (one per core, say)",
    )
    serve.set_defaults(run=_serve)
    sub.add_parser(
        "dispatch", help="run a delivery dispatcher (omo up runs one; more take over stores)"
    ).set_defaults(run=_dispatch)
    sim = sub.add_parser("simulate", help="play an evening at the store against the services")
    sim.add_argument(
        "--preset",
        choices=("smoke", "hema-peak", "city"),
        default="smoke",
        help="city: three stores in Kobe, each with its own staff (--pickers and --riders set "
        "every store's)",
    )
    sim.add_argument(
        "--staff-per-store",
        type=staffing,
        help="city: PICKERS/RIDERS of each store in its order, e.g. 5/14,6/25,6/24",
    )
    sim.add_argument("--orders-per-hour", type=float)
    sim.add_argument("--pickers", type=int)
    sim.add_argument("--riders", type=int)
    sim.add_argument("--hours", type=float, help="how long orders arrive (store time)")
    sim.add_argument("--clock-speed", type=float, help="store time runs this many times faster")
    sim.add_argument("--seed", type=int)
    sim.add_argument("--policy", choices=("ortools", "greedy"), help="the dispatcher's")
    sim.add_argument("--till-sales-per-hour", type=float)
    sim.add_argument("--seconds-per-item", type=float, help="a picker's pace, walking included")
    sim.add_argument("--short-share", type=share, help="items a picker cannot find (0 to 1)")
    sim.add_argument("--approve-share", type=share, help="substitutes shoppers approve (0 to 1)")
    sim.add_argument("--rider-speed", type=float, help="km/h (the store's pace is set to it)")
    sim.add_argument("--fail-share", type=share, help="hand-overs that fail (0 to 1)")
    sim.add_argument("--box-bags", type=int, help="bags a rider's box carries (1 to 40)")
    sim.add_argument("--compare", help="policies to run on the same seed, e.g. ortools,greedy")
    sim.add_argument("--out", help="the report folder (default .omo/simulations/PRESET)")
    sim.add_argument(
        "--fast", action="store_true", help="one process, discrete-event clock (no services)"
    )
    sim.add_argument(
        "--find-staff",
        action="store_true",
        help="the fewest pickers and riders that keep the target, by fast runs",
    )
    sim.add_argument(
        "--workers",
        type=positive,
        default=2,
        help="with --find-staff: staffings played at once, a process each (default 2: two cores)",
    )
    sim.add_argument(
        "--against-full",
        action="store_true",
        help="with --fast or --find-staff: the same staffing and seed on the services too",
    )
    sim.add_argument(
        "--target-within-30", type=float, default=99.0, help="%% at the door within 30 min"
    )
    sim.add_argument("--target-kept", type=float, default=99.5, help="%% of promises kept")
    sim.add_argument(
        "--use-running", action="store_true", help="use the services already up (omo up)"
    )
    sim.set_defaults(run=_simulate)
    token = sub.add_parser("token", help="mint a bearer token for local use")
    token.add_argument("role", choices=ROLES)
    token.add_argument("--store", help="the store of a staff token")
    token.add_argument("--member", help="the member id of a shopper token")
    token.add_argument(
        "--subject",
        help="who the token names: a picker or rider registered at the store (checked in the "
        "database, which must be up); for others any name (default ROLE@STORE)",
    )
    token.add_argument("--ttl", type=int, default=12 * 3600, help="seconds (default 12 h)")
    token.set_defaults(run=_token)
    events = sub.add_parser(
        "events",
        help="the event bus: sizes, lag and throughput (stats), dead letters (dead, retry), "
        "retention (trim: every trim once, now)",
    )
    events.add_argument("action", choices=("stats", "dead", "retry", "trim"))
    events.add_argument("--consumer", help="only this consumer")
    events.add_argument("--seq", type=int, help="only this event (retry)")
    events.set_defaults(run=_events)
    return p


def main(argv: list[str] | None = None) -> int:
    from infra.embedded_db import EmbeddedDatabaseError
    from infra.up import StartupFailed
    from shared.errors import DomainError
    from shared.migrations import MigrationError
    from shared.web.app import SchemaBehind

    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as exc:
        print(f"omo: configuration: {exc}", file=sys.stderr)
        return 2
    except (
        DatabaseUnavailable,
        MigrationError,
        SchemaBehind,
        EmbeddedDatabaseError,
        StartupFailed,
        DomainError,
    ) as exc:
        print(f"omo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
