"""In orders a table has one store module, whoever writes it: the order's rows through
`order/`, its money through `payments/`, a sale (at the till or by scan-and-go) through `sale/`,
stock (`reserved`, and `on_hand` after a product is loaded) through `stock/`. A query written
anywhere else is a second home."""

from __future__ import annotations

import re
from pathlib import Path

ORDERS = Path(__file__).resolve().parents[2] / "services" / "orders"
WRITES = re.compile(r"\b(?:INSERT\s+INTO|UPDATE)\s+(orders\.\w+)", re.IGNORECASE)
HOMES = {
    "orders.orders": "order",
    "orders.order_lines": "order",
    "orders.order_stages": "order",
    "orders.payments": "payments",
    "orders.settlements": "payments",
    "orders.sales": "sale",
    "orders.sale_lines": "sale",
}


def _queries() -> dict[Path, str]:
    """Every store's SQL, comments dropped (they may name what they do not do)."""
    return {
        path: re.sub(r"--[^\n]*", "", path.read_text())
        for path in ORDERS.rglob("queries.sql")
        if "schema" not in path.parts
    }


def test_the_order_its_money_and_a_sale_are_written_by_their_own_store_only():
    homes = {
        (table, path.parent.name)
        for path, sql in _queries().items()
        for table in WRITES.findall(sql)
        if table in HOMES
    }
    assert homes == set(HOMES.items())


def test_only_the_stock_store_moves_reservations_or_takes_from_the_shelf():
    moving = re.compile(r"\breserved\s*=|\bon_hand\s*=(?!\s*EXCLUDED)", re.IGNORECASE)
    writers = {path.parent.name for path, sql in _queries().items() if moving.search(sql)}
    assert writers == {"stock"}
