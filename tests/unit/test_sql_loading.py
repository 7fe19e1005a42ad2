"""Named SQL blocks: `:name` parameters become `$n` once, at load; casts, strings and comments
keep their colons."""

from pathlib import Path

import msgspec
import pytest

from shared.sql import NamedQuery, load_queries, row_as, rows_as


def _load(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "q.sql"
    path.write_text(text)
    return load_queries(path)


def test_named_parameters_become_positions_in_first_use_order(tmp_path: Path) -> None:
    q = _load(
        tmp_path,
        "-- name: put\n"
        "insert into t (a, b, at) values (:b, :a, '12:30'::time) -- keep :this\n"
        "on conflict do update set b = :b::int\n",
    )["put"]
    assert isinstance(q, NamedQuery)
    sql, *args = q(a=1, b=2)
    assert sql.startswith("insert into t (a, b, at) values ($1, $2, '12:30'::time) -- keep :this")
    assert sql.endswith("set b = $1::int")
    assert args == [2, 1]


def test_a_call_with_a_missing_or_unknown_parameter_is_refused(tmp_path: Path) -> None:
    q = _load(tmp_path, "-- name: get\nselect * from t where id = :id\n")["get"]
    with pytest.raises(TypeError, match="missing \\['id'\\]"):
        q()
    with pytest.raises(TypeError, match="unexpected \\['other'\\]"):
        q(id=1, other=2)


def test_positional_queries_stay_plain_strings_and_mixing_is_refused(tmp_path: Path) -> None:
    q = _load(tmp_path, "-- name: get\nselect $1::text\n")["get"]
    assert type(q) is str and q == "select $1::text"
    with pytest.raises(ValueError, match="mixes"):
        _load(tmp_path, "-- name: bad\nselect :a, $2\n")


class _Row(msgspec.Struct):
    id: int
    name: str


def test_rows_become_the_declared_struct() -> None:
    assert row_as(_Row, {"id": 1, "name": "a"}) == _Row(1, "a")
    assert row_as(_Row, None) is None
    assert rows_as(_Row, [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]) == [
        _Row(1, "a"),
        _Row(2, "b"),
    ]
