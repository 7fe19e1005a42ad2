"""`omo up`: the embedded database, migrations, the demo seed, three services and localstripe.

Children run in their own processes and die with us (PR_SET_PDEATHSIG), so even a SIGKILLed
`omo up` leaves no service behind; the database is a daemon, so a killed run's server is found
by its postmaster.pid and restarted by the next `omo up`. A child that dies while the stack
runs is started again after a backoff, and the rest of the stack keeps serving. SIGTERM and
Ctrl-C stop every child, then the database, and leave no process behind.

One `omo up` per data folder: it holds a lock on the folder while it runs (the kernel lets go of
it when the process dies, however it dies), and a second one refuses to touch the database.
"""

from __future__ import annotations

import asyncio
import ctypes
import fcntl
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import httpx

from infra.embedded_db import EmbeddedPostgres
from infra.prepare import migrate_all, seed
from infra.registry import SERVICES
from infra.seed import DEMO_MEMBER, PICKERS, STORE
from services.delivery.settings import DeliverySettings
from shared.auth import Role, mint
from shared.backoff import backoff_seconds
from shared.clock import Clock
from shared.db import connect
from shared.settings import Port, Settings, data_dir, load

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
RESTART_FIRST_S = 1.0  # a child that died is started again after 1 s, 2 s, 4 s ...
RESTART_CAP_S = 30.0
STEADY_S = 60.0  # ... and a child that then ran this long starts again from 1 s
OUR_SCHEMAS = ("delivery", "fulfillment", "orders", "kernel", "migrations")


class StartupFailed(Exception):
    """A service did not come up; the message names it."""


class FolderInUse(StartupFailed):
    """Another `omo up` runs on this data folder; the message names it."""


@contextmanager
def holding(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder` while the block runs, or `FolderInUse` at once."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "up.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise FolderInUse(
                f"{folder} is in use by another `omo up` (pid {holder}); stop it first, "
                "or give this one its own OMO_DATA_DIR"
            ) from None
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield  # closing the file lets go of the lock


class UpSettings(Settings, frozen=True, kw_only=True):
    """What `omo up` adds (OMO_*)."""

    service: ClassVar[str] = ""
    stripe_port: Port = 8420


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the parent dies, however it dies."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args],
        env=env,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )


def stop_children(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so every `finally` runs and the database is stopped."""

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


async def _drop_everything(dsn: str) -> None:
    conn = await connect(dsn)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS " + ", ".join(OUR_SCHEMAS) + " CASCADE")
    finally:
        await conn.close()


def wait_ready(urls: dict[str, str], children: dict[str, subprocess.Popen]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    waiting = dict(urls)
    while waiting:
        for name, child in children.items():
            if child.poll() is not None:
                raise StartupFailed(f"{name} exited with code {child.returncode} while starting")
        for name, url in list(waiting.items()):
            try:
                if httpx.get(url, timeout=1.0).status_code == 200:
                    del waiting[name]
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            raise StartupFailed(f"not ready after {READY_TIMEOUT_S:.0f} s: {', '.join(waiting)}")
        time.sleep(0.1)


def _banner(
    urls: dict[str, str],
    secret: str,
    dsn: str,
    stripe: str | None,
    took: float,
    dispatcher: str | None,
) -> str:
    store = STORE.store_id
    lines = [f"omo is up in {took:.1f} s", "", f"  database     {dsn}"]
    for name, base in urls.items():
        lines.append(
            f"  {name:<12} {base}   docs {base}/schema   openapi {base}/schema/openapi.json"
        )
    if stripe:
        lines.append(f"  localstripe  {stripe}")
    lines.append("  dispatcher   `omo dispatch` (routes riders; its last plan per store at")
    lines.append(f"               {urls['delivery']}/v1/stores/{store}/dispatch)")
    if dispatcher:
        lines.append(f"               metrics {dispatcher}/metrics (an operator token)")
    lines += ["", f"Demo store {store} ({STORE.name}). Tokens, 12 h:"]
    people = {
        Role.SERVICE: {},
        Role.MANAGER: {"store_id": store, "subject": "manager-1"},
        Role.CASHIER: {"store_id": store, "subject": "cashier-1"},
        Role.PICKER: {"store_id": store, "subject": "picker-1"},
        Role.RIDER: {"store_id": store, "subject": "rider-1"},
        Role.SHOPPER: {"member_id": DEMO_MEMBER.member_id},
        Role.OPERATOR: {"subject": "operator"},
    }
    for role, claims in people.items():
        lines.append(f"  {role:<8} {mint(secret, role, **claims)}")
    handheld = f"{urls['fulfillment']}/handheld"
    pickers = ", ".join(f"{name} {pin}" for _, name, pin in PICKERS)
    lines += ["", f"Handheld screen {handheld}  (store {store}; PINs: {pickers})"]
    lines += ["", "Ctrl-C stops everything."]
    return "\n".join(lines)


def _dispatcher_url(delivery: DeliverySettings) -> str | None:
    """Where the dispatcher serves its metrics, if it does."""
    port = delivery.dispatcher_port
    return f"http://{delivery.host}:{port}" if port else None


def neighbours(urls: dict[str, str], stripe_port: int) -> dict[str, str]:
    """Where each service finds the others, so ports other than the defaults still connect
    (an explicit setting in the environment wins)."""
    return {
        "OMO_ORDERS_DELIVERY_URL": urls["delivery"],
        "OMO_ORDERS_STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}",
        "OMO_FULFILLMENT_ORDERS_URL": urls["orders"],
    }


def child_commands(stripe_port: int) -> dict[str, list[str]]:
    """What each child runs: the three services, a dispatcher, and localstripe when installed."""
    commands = {name: ["-m", "infra.cli", "serve", name] for name in SERVICES}
    commands["dispatcher"] = ["-m", "infra.cli", "dispatch"]
    if importlib.util.find_spec("localstripe"):
        commands["localstripe"] = ["-m", "infra.localstripe_server", "--port", str(stripe_port)]
    return commands


def start_children(
    children: dict[str, subprocess.Popen], commands: dict[str, list[str]], env: dict[str, str]
) -> None:
    """Spawn every child into `children`, filled as they start, so that a failure half-way
    still stops the ones started."""
    for name, command in commands.items():
        children[name] = _spawn(command, env)


def how_it_ended(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit {code}"


def supervise(
    children: dict[str, subprocess.Popen],
    commands: dict[str, list[str]],
    env: dict[str, str],
    *,
    tick_s: float = 0.2,
) -> None:
    """Until interrupted: a child that exits is started again after a backoff (1 s, doubling to
    30 s; from 1 s again once it has run a minute), each restart said in one line on stderr."""
    started = dict.fromkeys(children, time.monotonic())
    restarts = dict.fromkeys(children, 0)
    due: dict[str, float] = {}  # when each child that died starts again
    while True:
        now = time.monotonic()
        for name, child in children.items():
            if name in due or child.poll() is None:
                continue
            if now - started[name] >= STEADY_S:
                restarts[name] = 0
            restarts[name] += 1
            wait = backoff_seconds(restarts[name], first_s=RESTART_FIRST_S, cap_s=RESTART_CAP_S)
            due[name] = now + wait
            print(
                f"omo: {name} stopped ({how_it_ended(child.returncode)}); "
                f"starting it again in {wait:.1f} s (restart {restarts[name]})",
                file=sys.stderr,
                flush=True,
            )
        for name, at in list(due.items()):
            if now >= at:
                children[name] = _spawn(commands[name], env)
                started[name] = now
                del due[name]
        time.sleep(tick_s)


def run_up(*, fresh: bool) -> int:
    started = time.monotonic()
    if float(os.environ.get("OMO_CLOCK_SPEED", "1") or 1) != 1:
        os.environ.setdefault("OMO_CLOCK_START", datetime.now(UTC).isoformat())
    up = load(UpSettings)
    services = {name: load(entry.settings) for name, entry in SERVICES.items()}
    external = bool(os.environ.get("DATABASE_URL"))
    database = None if external else EmbeddedPostgres(data_dir() / "pg")
    children: dict[str, subprocess.Popen] = {}
    with holding(data_dir()), sigterm_as_interrupt():
        try:
            if database:
                if fresh:
                    database.destroy()
                dsn = database.start()
            else:
                dsn = up.database_url
                if fresh:
                    asyncio.run(_drop_everything(dsn))
            asyncio.run(migrate_all(dsn))
            asyncio.run(seed(dsn, Clock(up.clock_speed, up.clock_start), up.jwt_secret))
            urls = {n: f"http://{s.host}:{s.port}" for n, s in services.items()}
            env = {**neighbours(urls, up.stripe_port), **os.environ, "DATABASE_URL": dsn}
            commands = child_commands(up.stripe_port)
            start_children(children, commands, env)
            stripe = f"http://127.0.0.1:{up.stripe_port}" if "localstripe" in commands else None
            wait_ready({n: f"{u}/readyz" for n, u in urls.items()}, children)
            took = time.monotonic() - started
            metrics = _dispatcher_url(load(DeliverySettings))
            print(_banner(urls, up.jwt_secret, dsn, stripe, took, metrics), flush=True)
            supervise(children, commands, env)
            return 0  # not reached: only an interrupt ends the supervision
        except KeyboardInterrupt:
            return 0
        finally:
            stop_children(children)
            if database:
                database.stop()
