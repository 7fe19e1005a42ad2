"""Settings: one frozen struct per service, read from the environment once and passed down.

Fields declared on `Settings` are shared by every service and read from `OMO_<FIELD>` (the
database from the conventional `DATABASE_URL`); fields a service adds are read from
`OMO_<SERVICE>_<FIELD>`. Every field has a default that works on a laptop after `omo up`.
A bad value is a `ConfigError` with one line naming the variable, never a traceback.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, ClassVar, Literal, TypeVar
from urllib.parse import urlsplit

import msgspec

from shared.errors import ConfigError

DEV_JWT_SECRET = "omo-dev-secret-not-for-production"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Where `omo up` keeps the embedded database: inside the project, git-ignored."""
    return Path(os.environ.get("OMO_DATA_DIR", PROJECT_ROOT / ".omo")).resolve()


def embedded_socket_dir(pgdata: Path) -> Path:
    """Where the embedded server puts its unix socket (it listens on no TCP port).

    The data dir itself when the socket path fits the kernel's 107-byte limit, else a short
    folder under /tmp named after the data dir, so deep checkouts still work.
    """
    if len(str(pgdata / ".s.PGSQL.5432")) < 100:
        return pgdata
    digest = hashlib.sha256(str(pgdata).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"omo-pg-{digest}"


def embedded_database_url(pgdata: Path | None = None) -> str:
    """The DSN of the embedded server that `omo up` starts."""
    host = embedded_socket_dir(pgdata or data_dir() / "pg")
    return f"postgresql://postgres:@/postgres?host={host}"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """What every service needs."""

    service: ClassVar[str] = ""

    database_url: str = ""
    env: Literal["dev", "prod"] = "dev"
    jwt_secret: Annotated[str, msgspec.Meta(min_length=32)] = DEV_JWT_SECRET
    # Time runs this many times faster from clock_start, shared by every process (simulation).
    clock_speed: Annotated[float, msgspec.Meta(gt=0, le=10_000)] = 1.0
    clock_start: datetime | None = None
    db_pool_size: Annotated[int, msgspec.Meta(ge=2, le=200)] = 10
    # Nothing waits forever: for a free connection, for a row lock, for a statement (each a 503).
    db_acquire_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 5.0
    db_lock_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 10.0
    db_statement_timeout_s: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 30.0
    bus_poll_seconds: Annotated[float, msgspec.Meta(gt=0)] = 2.0
    bus_max_attempts: Annotated[int, msgspec.Meta(ge=1)] = 8
    bus_batch_size: Annotated[int, msgspec.Meta(ge=1, le=500)] = 20
    # Retention (shared/retention): how many days each kind of row is kept, 0 for ever. The
    # event log never loses an event some consumer has yet to handle, nor a handled id its event
    # while that is still in the log, whatever these say.
    retain_events_days: Annotated[float, msgspec.Meta(ge=0)] = 7.0
    retain_handled_days: Annotated[float, msgspec.Meta(ge=0)] = 14.0
    retain_pings_days: Annotated[float, msgspec.Meta(ge=0)] = 14.0
    retain_scans_days: Annotated[float, msgspec.Meta(ge=0)] = 90.0
    retain_failures_days: Annotated[float, msgspec.Meta(ge=0)] = 30.0  # hand-over codes
    retain_late_quotes_days: Annotated[float, msgspec.Meta(ge=0)] = 7.0  # the live page's
    trim_every_s: Annotated[float, msgspec.Meta(gt=0)] = 600.0
    trim_batch_size: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = 5000
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # auto: JSON lines when stderr is not a terminal (a collector reads them), text when it is.
    log_format: Literal["auto", "json", "text"] = "auto"

    def refused_in_prod(self) -> list[str]:
        """Why OMO_ENV=prod will not start with these values: development defaults that anyone
        can read in this repository (a service adds its own: keys, secrets, local servers)."""
        if self.jwt_secret == DEV_JWT_SECRET:
            return ["OMO_JWT_SECRET must be set to a secret of your own"]
        return []


Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]


def database_url_problem(dsn: str) -> str | None:
    """Why `dsn` is not a PostgreSQL URL a driver can connect with, or None if it is."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgresql", "postgres") or "://" not in dsn:
        got = f"{parts.scheme}://" if "://" in dsn else "no scheme"
        return f"it must start with postgresql:// (got {got})"
    for host in parts.netloc.rpartition("@")[2].split(","):  # host[:port], several for failover
        _, colon, port = host.rpartition("]")[2].rpartition(":")
        if colon and port and not (port.isdigit() and 1 <= int(port) <= 65535):
            return f"its port {port!r} is not a number from 1 to 65535"
    return None


def without_password(dsn: str) -> str:
    """`dsn` as it may be shown in a message."""
    parts = urlsplit(dsn)
    user, at, hosts = parts.netloc.rpartition("@")
    if ":" in user:
        user = user.partition(":")[0] + ":***"
    return parts._replace(netloc=f"{user}{at}{hosts}").geturl()


class ServiceSettings(Settings, frozen=True, kw_only=True):
    """What every HTTP service adds: where it listens."""

    host: str = "127.0.0.1"
    port: Port = 8000

    @classmethod
    def schema_folder(cls) -> Path:
        """The service's migrations: `schema/` beside the module that declares its settings
        (every service keeps both at its root), so that the kernel names no service's folder."""
        return Path(inspect.getfile(cls)).with_name("schema")


S = TypeVar("S", bound=Settings)
_AT = re.compile(r" - at `\$\.(\w+)`")


def env_name(cls: type[Settings], field: str) -> str:
    if field == "database_url":
        return "DATABASE_URL"
    if field in Settings.__struct_fields__ or not cls.service:
        return f"OMO_{field.upper()}"
    return f"OMO_{cls.service.upper()}_{field.upper()}"


def load(cls: type[S], environ: Mapping[str, str] | None = None) -> S:
    """Build `cls` from the environment, checking every value once, at start."""
    environ = os.environ if environ is None else environ
    raw = {
        f: environ[env_name(cls, f)] for f in cls.__struct_fields__ if env_name(cls, f) in environ
    }
    try:
        settings = msgspec.convert(raw, cls, strict=False)
    except msgspec.ValidationError as exc:
        match = _AT.search(str(exc))
        field = match.group(1) if match else ""
        value = raw.get(field, "")
        reason = _AT.sub("", str(exc))
        raise ConfigError(f"{env_name(cls, field)}={value!r} is not valid: {reason}") from None
    if not settings.database_url:
        settings = msgspec.structs.replace(settings, database_url=embedded_database_url())
    elif problem := database_url_problem(settings.database_url):
        shown = without_password(settings.database_url)
        raise ConfigError(f"DATABASE_URL={shown!r} is not valid: {problem}")
    if settings.clock_speed != 1 and settings.clock_start is None:
        raise ConfigError(
            "OMO_CLOCK_START is required when OMO_CLOCK_SPEED is not 1 "
            "(every service must run its fast clock from the same instant)"
        )
    if settings.env == "prod" and (refused := settings.refused_in_prod()):
        raise ConfigError("OMO_ENV=prod refuses development defaults: " + "; ".join(refused))
    return settings
