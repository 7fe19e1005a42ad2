"""Named SQL blocks in `.sql` files, loaded once (the procrastinate way).

A file holds blocks that each start with a line `-- name: <name>`; the text up to the next such
line is the query. Store modules look queries up by name, so SQL stays SQL and is read as such.
"""

from __future__ import annotations

import re
from pathlib import Path

_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def load_queries(path: Path) -> dict[str, str]:
    text = path.read_text()
    parts = _HEADER.split(text)
    queries = {name: body.strip() for name, body in zip(parts[1::2], parts[2::2], strict=True)}
    if not queries:
        raise ValueError(f"{path} has no '-- name:' blocks")
    return queries
