"""SQL kept as SQL: named blocks in `.sql` files, named parameters, rows turned into structs.

A file holds blocks that each start with a line `-- name: <name>`; the text up to the next such
line is the query (the procrastinate way). Store modules look queries up by name, so SQL stays
SQL and is read as such.

A query may name its parameters (`where order_id = :order_id`): they are rewritten to asyncpg's
`$n` once, at load, and the query is called with keywords, so an insert of fifteen columns cannot
swap two of them silently:

    await conn.execute(*Q["insert_order"](order_id=order.id, store_id=order.store_id, ...))

A query written with `$n` is a plain string and is called positionally as before; one query does
not mix the two. `row_as`/`rows_as` turn records into the struct the caller declares.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import msgspec

T = TypeVar("T")

_HEADER = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)
# A string literal, a quoted identifier, a comment, a `::type` cast, or a `:name` parameter: the
# first four are copied as they are so a colon inside them (a time, a cast) is never a parameter.
_TOKEN = re.compile(
    r"'(?:[^']|'')*'"
    r'|"(?:[^"]|"")*"'
    r"|--[^\n]*"
    r"|::"
    r"|:(?P<name>[a-z_][a-z0-9_]*)"
)
_POSITIONAL = re.compile(r"\$\d+")


class NamedQuery(str):
    """A query whose `:name` parameters became `$n`; call it with keywords for (sql, *args)."""

    names: tuple[str, ...]

    def __new__(cls, text: str, names: tuple[str, ...]) -> NamedQuery:
        query = super().__new__(cls, text)
        query.names = names
        return query

    def __call__(self, **params: Any) -> tuple[Any, ...]:
        missing = [n for n in self.names if n not in params]
        extra = sorted(set(params) - set(self.names))
        if missing or extra:
            raise TypeError(f"query parameters: missing {missing}, unexpected {extra}")
        return (str(self), *(params[n] for n in self.names))


def _parse(name: str, body: str) -> str:
    names: list[str] = []

    def rewrite(match: re.Match[str]) -> str:
        param = match.group("name")
        if param is None:
            return match.group(0)
        if param not in names:
            names.append(param)
        return f"${names.index(param) + 1}"

    text = _TOKEN.sub(rewrite, body)
    if not names:
        return body
    if _POSITIONAL.search(_TOKEN.sub(lambda m: "" if m.group("name") else m.group(0), body)):
        raise ValueError(f"query {name!r} mixes :named and $n parameters")
    return NamedQuery(text, tuple(names))


def load_queries(path: Path) -> dict[str, Any]:
    """Every `-- name:` block of `path`; named-parameter blocks come back as `NamedQuery`.

    Typed `Any` per query: a block is a `str` or a callable `NamedQuery` by what its text says,
    which a type checker cannot know; a store module uses each as its SQL is written."""
    text = path.read_text()
    parts = _HEADER.split(text)
    queries = {
        name: _parse(name, body.strip())
        for name, body in zip(parts[1::2], parts[2::2], strict=True)
    }
    if not queries:
        raise ValueError(f"{path} has no '-- name:' blocks")
    return queries


def row_as(kind: type[T], row: Mapping[str, Any] | None) -> T | None:
    """One record as `kind` (a msgspec struct), or None when there is no row."""
    return None if row is None else msgspec.convert(dict(row), kind)


def rows_as(kind: type[T], rows: Iterable[Mapping[str, Any]]) -> list[T]:
    """Records as a list of `kind`, in their order."""
    return [msgspec.convert(dict(r), kind) for r in rows]
