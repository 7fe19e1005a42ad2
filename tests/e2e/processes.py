"""Real processes for end-to-end tests: `omo serve` and `omo up` as an operator runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from shared.settings import PROJECT_ROOT
from tests.eventually import eventually_sync


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def omo(*args: str, env: dict[str, str], **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "infra.cli", *args],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        text=True,
        **{"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw},
    )


def run_omo(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "infra.cli", *args],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    def answer() -> int:
        if process.poll() is not None:
            raise AssertionError(f"{url}: process exited: {process.stderr.read()}")
        return httpx.get(url, timeout=1).status_code

    eventually_sync(
        answer, f"{url} to be ready", timeout, ok=lambda s: s == 200, ignoring=(httpx.HTTPError,)
    )


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain `text` (this test's own excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{entry.name}: {cmdline}")
    return found
