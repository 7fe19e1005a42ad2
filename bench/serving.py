"""Child processes for benchmarks: start a server, wait until it answers, stop it, and count
the CPU time that it (or the database server) spent, read from /proc.

CPU figures are percent of one core over a measured interval: on a 2-core machine 100 % means
one core was busy the whole time, and `machine` (every process, ours or not) tops out at 200 %.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from shared.settings import PROJECT_ROOT

TICK = os.sysconf("SC_CLK_TCK")


class ChildFailed(Exception):
    """A benchmark's server did not come up; the message holds the end of its log."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Child:
    """One server process, its output kept in a temporary log to explain a failure."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str] | None = None):
        self.name = name
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [sys.executable, *args],
            cwd=PROJECT_ROOT,
            env={**os.environ, **(env or {})},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 15) -> str:
        self.log.seek(0)
        return "\n".join(self.log.read().decode(errors="replace").splitlines()[-lines:])

    def wait_answering(self, check: Callable[[], bool], timeout: float = 60) -> None:
        """Poll `check` until it is true; the process dying or the deadline passing is fatal."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise ChildFailed(f"{self.name} exited ({self.process.returncode}):\n{self.tail()}")
            try:
                if check():
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise ChildFailed(f"{self.name} did not answer in {timeout} s:\n{self.tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM (uvicorn and aiohttp shut down cleanly on it), then SIGKILL after 10 s."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()


def answers(url: str, **kw) -> Callable[[], bool]:
    return lambda: httpx.get(url, timeout=1, **kw).status_code == 200


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def children_of(pid: int) -> list[int]:
    """Direct children of `pid` (a postmaster's backends), with `pid` itself.

    Read from the kernel's list of the children its main thread forked (a postmaster forks its
    backends there): one file, where scanning every process's stat cost the load generator's
    process 4 ms a sample, a tenth of its CPU a second at 150 placements a second. A kernel
    without that list gets the scan."""
    try:
        return [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    except FileNotFoundError:
        if not Path(f"/proc/{pid}").exists():
            return [pid]
    return _scanned_children_of(pid)


def _scanned_children_of(pid: int) -> list[int]:
    found = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def machine_ticks() -> int:
    """Busy ticks of all cores (everything in /proc/stat's cpu line but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(values) - values[3] - values[4]


class CpuMeter:
    """CPU % per named group of processes between `start()` and `stop()`.

    A group is a callable returning its pids now, so that database backends that connect during
    the interval count; call `sample()` now and then so that those that exit count too (their
    ticks up to the last sample)."""

    def __init__(self, groups: Mapping[str, Callable[[], list[int]]]):
        self.groups = groups

    def start(self) -> None:
        self.started = time.perf_counter()
        self.machine = machine_ticks()
        self.members: dict[str, set[int]] = {name: set() for name in self.groups}
        self.last: dict[int, int] = {}
        self.sample()
        self.before = dict(self.last)

    def sample(self) -> None:
        for name, pids in self.groups.items():
            for pid in pids():
                self.members[name].add(pid)
                self.last[pid] = _cpu_ticks(pid) or self.last.get(pid, 0)

    def stop(self) -> dict[str, float]:
        """CPU % per group, to a tenth: a tick (10 ms) over a 5 s window is 0.2 %, and a process
        at a few percent (a cheap load generator) would read as 0 or 1 % rounded whole."""
        self.sample()
        elapsed = time.perf_counter() - self.started
        result = {}
        for name, members in self.members.items():
            ticks = sum(self.last[pid] - self.before.get(pid, 0) for pid in members)
            result[name] = round(100 * ticks / TICK / elapsed, 1)
        result["machine"] = round(100 * (machine_ticks() - self.machine) / TICK / elapsed, 1)
        return result


class Processes:
    """A benchmark's servers by name, given the database's URL; `close()` stops them all."""

    def __init__(self, dsn: str, pgdata: Path | None):
        self.dsn, self.pgdata = dsn, pgdata
        self.children: dict[str, Child] = {}

    def start(self, name: str, args: list[str], env: dict[str, str], ready: str, **kw) -> str:
        """Start `python *args` (`{port}` in them is its port) and wait until `ready` answers."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {"DATABASE_URL": self.dsn, f"OMO_{name.upper()}_PORT": str(port), **env}
        self.children[name] = Child(name, [a.format(port=port) for a in args], env)
        self.children[name].wait_answering(answers(url + ready, **kw))
        return url

    def stop(self, name: str) -> None:
        if child := self.children.pop(name, None):
            child.stop()

    def close(self) -> None:
        for name in list(self.children):
            self.stop(name)

    def postgres_pids(self) -> list[int]:
        """The embedded server's postmaster and backends (none for an outside server)."""
        if self.pgdata is None or not (self.pgdata / "postmaster.pid").exists():
            return []
        return children_of(int((self.pgdata / "postmaster.pid").read_text().split()[0]))

    def meter(self, *names: str) -> CpuMeter:
        """CPU of the named children, the database server and this process (`loadgen`)."""

        def pids(name: str) -> Callable[[], list[int]]:
            return lambda: [self.children[name].pid] if name in self.children else []

        groups = {n: pids(n) for n in names}
        if self.pgdata is not None:  # an outside server's processes are not ours to see
            groups["postgres"] = self.postgres_pids
        me = os.getpid()
        return CpuMeter({**groups, "loadgen": lambda: [me]})
