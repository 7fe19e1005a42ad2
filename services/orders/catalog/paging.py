"""Searching and paging the catalog, pure: the name pattern, the opaque cursor, the page.

Pages are keyset pages in (name_en, sku) order: a cursor is the key of the last item shown, so
a page costs the same however deep it is, and products added meanwhile neither repeat nor
shift what comes next.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

import msgspec

from services.orders.catalog.domain import CatalogItem, StockedProduct, catalog_item
from shared.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

_key = msgspec.json.Decoder(tuple[str, str])


class ProductPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[CatalogItem]
    next_cursor: str | None  # pass as `cursor` for the next page; null on the last page


def name_pattern(q: str | None) -> str | None:
    """An ILIKE pattern matching `q` anywhere, its wildcards taken literally; None for no q."""
    text = (q or "").strip()
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def encode_cursor(name_en: str, sku: str) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode((name_en, sku))).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    """The key a cursor stands for; None for the first page."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return _key.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidInput(
            "not a cursor this API gave out; start again without one", field="cursor"
        ) from None


def product_page(rows: Sequence[StockedProduct], currency: str, limit: int) -> ProductPage:
    """A page from up to `limit` + 1 rows: the extra row only tells that there is more."""
    shown = rows[:limit]
    more = len(rows) > limit
    return ProductPage(
        items=[catalog_item(p, currency) for p in shown],
        next_cursor=encode_cursor(shown[-1].name_en, shown[-1].sku) if more else None,
    )
