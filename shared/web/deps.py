"""The dependencies every app provides, as types a handler names its parameters with.

`conn` is the request's transaction, `pool` the pool (for multi-step use cases),
`principal` the verified caller, `clock` the one clock, `secret` the deployment's secret (it
signs tokens, and keys the signed codes), `settings` the service's settings (its `deps.py`
names them with their own type). A service's clients are its own dependencies, named in its
`deps.py` and provided by its `create_app`.
"""

from __future__ import annotations

import asyncpg
from litestar.di import NamedDependency

from shared.auth import Principal
from shared.clock import Clock

Tx = NamedDependency[asyncpg.Connection]
Pool = NamedDependency[asyncpg.Pool]  # for use cases that span several transactions
Caller = NamedDependency[Principal]
Now = NamedDependency[Clock]
Secret = NamedDependency[str]
