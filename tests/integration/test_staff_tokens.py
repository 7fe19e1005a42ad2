"""`omo token` for pickers and riders names a person the store registered, and the token it
mints is one their calls accept; for anyone else it says who may be named."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from shared.auth import verify
from shared.settings import PROJECT_ROOT, Settings, load
from tests.integration.apps import client
from tests.integration.delivering import command, handle_delivery

STORE = "kobe-sannomiya"


async def omo_token(database: str, *args: str) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "infra.cli", "token", *args],
        env={**os.environ, "DATABASE_URL": database},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_a_rider_token_for_a_registered_rider_starts_their_shift(database, demo):
    minted = await omo_token(database, "rider", "--store", STORE, "--subject", "rider-2")
    assert minted.returncode == 0, minted.stderr
    await handle_delivery(database)
    async with client("delivery", database, bus_poll_seconds=60) as c:
        who = {"Authorization": f"Bearer {minted.stdout.strip()}"}
        started = await c.post(
            "/v1/riders/me/shift",
            json={"store_id": STORE, "action": "start"},
            headers=command(who),
        )
        assert started.status_code == 200, started.text


async def test_a_staff_token_for_no_one_registered_says_who_may_be_named(database, demo):
    for role, args, listed in (
        ("rider", (), "rider-1, rider-2, rider-3, rider-4, rider-5"),
        ("picker", ("--subject", "picker-9"), "picker-1, picker-2, picker-3"),
    ):
        refused = await omo_token(database, role, "--store", STORE, *args)
        assert refused.returncode == 1
        assert refused.stdout == ""  # no token
        assert f"pass --subject with one of: {listed}" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1


async def test_a_manager_token_names_whoever_subject_says(database, demo):
    minted = await omo_token(database, "manager", "--store", STORE, "--subject", "mika")
    assert minted.returncode == 0, minted.stderr
    principal = verify(load(Settings).jwt_secret, minted.stdout.strip())
    assert (principal.role, principal.subject, principal.store_id) == ("manager", "mika", STORE)
