"""Searching and paging the catalog, pure: the name pattern, the opaque cursor, the page.

Pages are keyset pages in (name_en, sku) order: a cursor is the key of the last item shown, so
a page costs the same however deep it is, and products added meanwhile neither repeat nor
shift what comes next.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.orders.catalog.domain import CatalogItem, StockedProduct, catalog_item
from shared import paging

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class ProductPage(paging.Page, frozen=True, kw_only=True):
    items: list[CatalogItem]


def name_pattern(q: str | None) -> str | None:
    """An ILIKE pattern matching `q` anywhere, its wildcards taken literally; None for no q."""
    text = (q or "").strip()
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    """The (name_en, sku) key a cursor stands for; None for the first page."""
    return paging.decode_cursor(cursor, tuple[str, str])


def product_page(rows: Sequence[StockedProduct], currency: str, limit: int) -> ProductPage:
    """A page from up to `limit` + 1 rows: the extra row only tells that there is more."""
    shown, after = paging.cut(rows, limit, lambda p: (p.name_en, p.sku))
    return ProductPage(items=[catalog_item(p, currency) for p in shown], next_cursor=after)
