"""Selling helpers for the till and scan-and-go tests: the demo store's barcodes, and what its
sales tables hold."""

from __future__ import annotations

import asyncpg

from shared.auth import Role
from shared.barcodes import ean13
from tests.integration.apps import bearer

STORE = "kobe-sannomiya"
CASHIER = bearer(Role.CASHIER, store=STORE)
CABBAGE, POTATOES, WAGYU, MILK = "SKU-10001", "SKU-10005", "SKU-10074", "SKU-10049"


def ean(sku: str) -> str:
    """The demo catalog's JAN code of a sku."""
    return ean13(f"4900000{int(sku.removeprefix('SKU-')):05d}")


def weight_label(sku: str, grams: int) -> str:
    return ean13(f"20{sku.removeprefix('SKU-')}{grams:05d}")  # PLU = the sku's 5 digits


async def query(database: str, sql: str, *args):
    conn = await asyncpg.connect(database)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def sales_count(database: str) -> int:
    return (await query(database, "SELECT count(*) FROM orders.sales"))[0][0]
