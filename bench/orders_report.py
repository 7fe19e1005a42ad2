"""The tables `python -m bench.orders` prints: one per measurement, markdown.

Rates are per second over the measured window; p50/p99 in milliseconds; errors as
`status×count`; CPU columns in percent of one core over the same window (`-` where that
process did not take part).
"""

from __future__ import annotations

import os
import sys

CORES = os.cpu_count() or 1


def errors(result: dict) -> str:
    return ", ".join(f"{kind}×{n}" for kind, n in sorted(result["errors"].items())) or "0"


def cpu_ms(result: dict, process: str = "orders", digits: int = 1) -> object:
    """A process's CPU per request done: its cost, whatever else shares the cores (the load
    generator's too: what it takes from the service it measures)."""
    if not result["per_s"] or process not in result["cpu"]:
        return "-"
    return round(result["cpu"][process] * 10 / result["per_s"], digits)


def all_cpu_ms(result: dict) -> float | None:
    """CPU ms per request of every process the bench runs (servers, PostgreSQL, the load
    generator or pgbench), other people's work left out."""
    if not result.get("per_s", result.get("tps")):
        return None
    shares = sum(v for k, v in result["cpu"].items() if k != "machine")
    return shares * 10 / result.get("per_s", result.get("tps"))


def bound(result: dict) -> str:
    """The CPU per request, and the rate it allows on this machine's cores had it them all to
    itself: a ceiling the same SQL and code cannot pass here, whatever the concurrency."""
    ms = all_cpu_ms(result)
    return f"{ms:.1f} ms, {1000 * CORES / ms:,.0f}/s" if ms else "-"


def tables(results: dict[str, list[dict]]) -> str:
    def row(*cells: object) -> str:
        return "| " + " | ".join(str(c) for c in cells) + " |"

    cpu = ["orders", "delivery", "localstripe", "postgres", "loadgen", "machine"]
    out = [
        row("gateway", "concurrency", "placed/s", "p50 ms", "p99 ms", "errors",
            "orders CPU ms/req", "loadgen CPU ms/req", *(f"CPU% {c}" for c in cpu),
            f"all CPU/req, bound on {CORES}"),
        "|---|---:|---:|---:|---:|---|---:|---:|" + "---:|" * (len(cpu) + 1),
    ]  # fmt: skip
    for r in results["placements"]:
        out.append(row(r["gateway"], r["concurrency"], r["per_s"], r["p50_ms"], r["p99_ms"],
                       errors(r), cpu_ms(r), cpu_ms(r, "loadgen", 2),
                       *(r["cpu"].get(c, "-") for c in cpu), bound(r)))  # fmt: skip
    cpu = ["orders", "postgres", "loadgen", "machine"]
    out += ["", row("catalog read", "concurrency", "reads/s", "p50 ms", "p99 ms", "errors",
                    "orders CPU ms/req", "loadgen CPU ms/req",
                    *(f"CPU% {c}" for c in cpu))]  # fmt: skip
    out.append("|---|---:|---:|---:|---:|---|---:|---:|" + "---:|" * len(cpu))
    for r in results["catalog"]:
        out.append(row(r["endpoint"], r["concurrency"], r["per_s"], r["p50_ms"], r["p99_ms"],
                       errors(r), cpu_ms(r), cpu_ms(r, "loadgen", 2),
                       *(r["cpu"].get(c, "-") for c in cpu)))  # fmt: skip
    cpu = ["orders", "delivery", "postgres", "loadgen", "machine"]
    out += ["", row("mixed, open loop", "placements/s,reads/s", "due/s", "done/s", "p50 ms",
                    "p99 ms", "errors", *(f"CPU% {c}" for c in cpu))]  # fmt: skip
    out.append("|---|---|---:|---:|---:|---:|---|" + "---:|" * len(cpu))
    for r in results.get("mixed", []):
        out.append(row(r["stream"], r.get("cell", "-"), r["rate"], r["per_s"], r["p50_ms"],
                       r["p99_ms"], errors(r), *(r["cpu"].get(c, "-") for c in cpu)))  # fmt: skip
    out += ["", row("hot sku: checkouts, at once, units", "seconds", "sold", "sold p50 / p99 ms",
                    "refused", "refused p50 / p99 ms", "errors", "till sales",
                    "till p50 / max ms", *(f"CPU% {c}" for c in cpu))]  # fmt: skip
    out.append("|---|---:|---:|---:|---:|---:|---|---:|---:|" + "---:|" * len(cpu))
    for r in results.get("burst", []):
        sold, refused, sales = r["sold"], r["refused"], r["till"]
        out.append(row(f"{r['checkouts']}, {r['at_once']}, {r['units']}", r["seconds"],
                       sold["count"], f"{sold['p50_ms']} / {sold['p99_ms']}", refused["count"],
                       f"{refused['p50_ms']} / {refused['p99_ms']}", errors(r), sales["count"],
                       f"{sales['p50_ms']} / {sales['max_ms']}",
                       *(r["cpu"].get(c, "-") for c in cpu)))  # fmt: skip
    out += ["", row("pgbench: a placement's SQL", "clients", "tps", "latency avg ms",
                    "failed", "CPU% postgres", "CPU% pgbench", "CPU% machine",
                    f"all CPU/tx, bound on {CORES}")]  # fmt: skip
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results["pgbench"]:
        cpu = r["cpu"]
        out.append(row(r["sql"], r["clients"], r["tps"], r["latency_avg_ms"], r["failed"],
                       cpu.get("postgres", "-"), cpu.get("pgbench", "-"), cpu["machine"],
                       bound(r)))  # fmt: skip
    out += ["", ratios(results)]
    return "\n".join(out)


def ratios(results: dict[str, list[dict]]) -> str:
    """Placements against pgbench's tps at the same concurrency, for each of its scripts, as
    run and as the CPU bounds allow: the first moves with whatever else shares the cores, the
    second does not."""
    said = []
    for r in results["placements"]:
        for pgb in results["pgbench"]:
            if pgb["clients"] != r["concurrency"] or not pgb["tps"] or not r["per_s"]:
                continue
            ms, pgb_ms = all_cpu_ms(r), all_cpu_ms(pgb)
            ceiling = f"{100 * pgb_ms / ms:.0f} %" if ms and pgb_ms else "-"
            run = f"{100 * r['per_s'] / pgb['tps']:.0f} %"
            said.append(
                f"placements ({r['gateway']}, {r['concurrency']}) against pgbench"
                f" ({pgb['sql']}): {run} as run, {ceiling} by CPU bounds"
            )
    return "\n".join(said)


def report_errors(results: dict[str, list[dict]]) -> None:
    """One sample answer of each kind of error, on stderr (taken out of the results)."""
    for kind, rows in results.items():
        for r in rows:
            for status, sample in r.pop("error_samples", {}).items():
                what = r.get("gateway") or r.get("endpoint") or r.get("stream") or ""
                print(f"{kind} {what} {r.get('concurrency')}: {status}: {sample}", file=sys.stderr)
