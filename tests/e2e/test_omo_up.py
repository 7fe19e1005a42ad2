"""`omo up` from nothing: ready within seconds, and SIGTERM leaves no process behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from shared.settings import PROJECT_ROOT
from tests.e2e.processes import free_port, omo, processes_mentioning, run_omo, wait_ready
from tests.eventually import eventually_sync

pytestmark = pytest.mark.e2e


def up_env(data: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Free ports for a stack on the data folder `data`, and the environment that says so."""
    ports = {name: free_port() for name in ("orders", "fulfillment", "delivery", "stripe")}
    env = {f"OMO_{name.upper()}_PORT": str(port) for name, port in ports.items()}
    ports["dispatcher"] = free_port()
    env["OMO_DELIVERY_DISPATCHER_PORT"] = str(ports["dispatcher"])
    return ports, env | {"OMO_DATA_DIR": str(data), "DATABASE_URL": ""}


def banner_of(up: subprocess.Popen) -> list[str]:
    """The lines `omo up` prints once it is up."""
    banner = []
    deadline = time.monotonic() + 60
    while not any("Ctrl-C" in line for line in banner):
        assert time.monotonic() < deadline, "omo up did not print its banner"
        line = up.stdout.readline()
        assert line or up.poll() is None, up.stderr.read()
        banner.append(line)
    return banner


def test_omo_up_serves_the_demo_and_sigterm_leaves_nothing_behind():
    data = PROJECT_ROOT / ".omo" / f"test-up-{os.getpid()}"
    ports, env = up_env(data)
    up = omo("up", "--fresh", env=env)
    try:
        banner = banner_of(up)
        text = "".join(banner)
        for name in ("orders", "fulfillment", "delivery"):
            base = f"http://127.0.0.1:{ports[name]}"
            assert base in text
            assert httpx.get(f"{base}/readyz").status_code == 200
        manager = next(line.split()[1] for line in banner if line.strip().startswith("manager"))
        pickers = httpx.get(
            f"http://127.0.0.1:{ports['fulfillment']}/v1/stores/kobe-sannomiya/pickers",
            headers={"Authorization": f"Bearer {manager}"},
        )
        assert len(pickers.json()["items"]) == 3
        shopper = next(line.split()[1] for line in banner if line.strip().startswith("shopper"))
        me = httpx.get(
            f"http://127.0.0.1:{ports['orders']}/v1/me",
            headers={"Authorization": f"Bearer {shopper}"},
        )
        assert me.json()["member_id"] == "mem_demo"
        catalog = httpx.get(
            f"http://127.0.0.1:{ports['orders']}/v1/stores/kobe-sannomiya/products",
            params={"q": "キャベツ"},
        )
        assert catalog.json()["items"][0]["name_ja"].startswith("キャベツ")
        zone = httpx.get(
            f"http://127.0.0.1:{ports['delivery']}/v1/stores/kobe-sannomiya/zone",
            params={"lat": 34.6937, "lng": 135.2200},
        )
        assert zone.json()["deliverable"] is True
        operator = next(line.split()[1] for line in banner if line.strip().startswith("operator"))
        dispatcher = f"http://127.0.0.1:{ports['dispatcher']}"
        assert f"metrics {dispatcher}/metrics" in text
        assert httpx.get(f"{dispatcher}/metrics").status_code == 401
        scraped = eventually_sync(
            lambda: (
                httpx.get(
                    f"{dispatcher}/metrics", headers={"Authorization": f"Bearer {operator}"}
                ).text
            ),
            "the dispatcher's metrics to show its store held",
            30,
            ok=lambda text: "omo_dispatch_owned_stores 1.0" in text,
        )
        assert "process_resident_memory_bytes" in scraped
        assert (
            httpx.get(
                f"http://127.0.0.1:{ports['stripe']}/v1/customers", auth=("sk_test_x", "")
            ).status_code
            == 200
        )
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(30)
    assert code == 0
    assert processes_mentioning(str(data)) == []  # the database
    shutil.rmtree(data, ignore_errors=True)
    for port in ports.values():
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
    assert processes_mentioning(f"--port {ports['stripe']}") == []


def children_of(pid: int) -> dict[str, int]:
    """`omo up`'s live children by what they run: "serve orders", "dispatch" ..."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            argv = Path(f"/proc/{child}/cmdline").read_bytes().decode().split("\0")
            if "infra.cli" in argv:  # not a dead child not yet reaped, nor localstripe
                found[" ".join(argv[argv.index("infra.cli") + 1 :]).strip()] = int(child)
    return found


def test_omo_up_restarts_a_child_that_dies_and_refuses_a_second_up_on_its_folder():
    data = PROJECT_ROOT / ".omo" / f"test-up-twice-{os.getpid()}"
    ports, env = up_env(data)
    up = omo("up", "--fresh", env=env)
    said: list[str] = []  # omo up's stderr, which its children's logs share
    try:
        banner_of(up)
        threading.Thread(target=lambda: said.extend(up.stderr), daemon=True).start()
        delivery = f"http://127.0.0.1:{ports['delivery']}"
        before = children_of(up.pid)
        assert {"serve delivery", "dispatch"} <= set(before)

        killed = ("serve delivery", "dispatch")
        for what in killed:
            os.kill(before[what], signal.SIGKILL)

        def not_yet_again() -> list[str]:
            assert up.poll() is None, "omo up stopped when a child died"
            now = children_of(up.pid)
            left = [what for what in killed if now.get(what) in (None, before[what])]
            return {"not started again": left, "omo said": said[-5:]}

        eventually_sync(
            not_yet_again,
            "omo up to start its killed children again",
            30,
            ok=lambda seen: not seen["not started again"],
        )
        wait_ready(f"{delivery}/readyz", up)
        restarts = [line for line in said if line.startswith("omo: ")]
        assert any(
            line.startswith("omo: delivery stopped (killed by SIGKILL); starting it again in")
            for line in restarts
        ), restarts
        assert any(
            line.startswith("omo: dispatcher stopped (killed by SIGKILL)") for line in restarts
        )

        _, second_env = up_env(data)  # other ports, the same folder
        second = run_omo("up", "--fresh", env=second_env, timeout=60)
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "is in use by another `omo up`" in lines[0], second.stderr
        assert f"pid {up.pid}" in lines[0]
        assert second.stdout == ""
        for name in ("orders", "fulfillment", "delivery"):  # the first stack is untouched
            assert httpx.get(f"http://127.0.0.1:{ports[name]}/readyz").status_code == 200
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(30)
        shutil.rmtree(data, ignore_errors=True)
    assert code == 0


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (
            ["serve", "orders"],
            {"OMO_ORDERS_PORT": "eighty"},
            "OMO_ORDERS_PORT='eighty' is not valid",
        ),
        (["serve", "delivery"], {"OMO_CLOCK_SPEED": "fast"}, "OMO_CLOCK_SPEED='fast'"),
        (["serve", "delivery"], {"OMO_CLOCK_SPEED": "60"}, "OMO_CLOCK_START is required"),
        (["up"], {"OMO_ENV": "prod"}, "OMO_JWT_SECRET must be set"),
        (
            ["serve", "orders"],
            {"OMO_ENV": "prod", "OMO_JWT_SECRET": "a-production-secret-of-forty-characters!"},
            "OMO_ENV=prod refuses development defaults: OMO_ORDERS_STRIPE_WEBHOOK_SECRET must",
        ),
        (
            ["serve", "fulfillment"],
            {"DATABASE_URL": "postgresql://omo@127.0.0.1:1/omo"},
            "cannot reach the database at postgresql://127.0.0.1:1/omo",
        ),
        (["up"], {"DATABASE_URL": "postgresql://omo@127.0.0.1:1/omo"}, "cannot reach the database"),
        (["migrate"], {"DATABASE_URL": "postgresql://omo@127.0.0.1:1/omo"}, "cannot reach"),
        (
            ["serve", "orders"],
            {"DATABASE_URL": "postgresql://omo:hunter2@127.0.0.1:54x2/omo"},
            "DATABASE_URL='postgresql://omo:***@127.0.0.1:54x2/omo' is not valid: its port",
        ),
        (["dispatch"], {"DATABASE_URL": "127.0.0.1:5432/omo"}, "must start with postgresql://"),
        (["up"], {"DATABASE_URL": "mysql://omo@127.0.0.1/omo"}, "(got mysql://)"),
    ],
    ids=[
        "bad-port",
        "bad-speed",
        "speed-without-start",
        "prod-dev-secret",
        "prod-dev-stripe",
        "db-down-serve",
        "db-down-up",
        "db-down-migrate",
        "db-url-bad-port",
        "db-url-no-scheme",
        "db-url-mysql",
    ],
)
def test_bad_configuration_fails_at_start_with_one_clear_line(args, env, says):
    result = run_omo(*args, env=env)
    assert result.returncode in (1, 2)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("omo: ") and says in lines[0]
    assert "hunter2" not in result.stderr


def test_a_service_refuses_to_serve_on_a_schema_that_is_behind(empty_database):
    result = run_omo("serve", "orders", env={"DATABASE_URL": empty_database})
    assert result.returncode == 1
    assert "schema is behind" in result.stderr and "omo migrate" in result.stderr
