"""Searching and paging the catalog, pure: the caller's language, the opaque cursor, the page.

Pages are keyset pages in (relevance tier, name in the caller's language, sku) order: a cursor is
the key of the last item shown, so a page costs the same however deep it is, and products added
meanwhile neither repeat nor shift what comes next. Relevance and folding are the query's
(catalog/queries.sql, search_products), on text folded by `orders.fold`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from services.orders.catalog.domain import CatalogItem, StockedProduct, catalog_item
from shared import paging

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

Language = Literal["en", "ja"]
LANGUAGES: tuple[Language, ...] = ("en", "ja")


class PageKey(msgspec.Struct, frozen=True, array_like=True):
    tier: int
    key: str
    sku: str


class Found(StockedProduct, frozen=True, kw_only=True):
    """A product as a search found it: how relevant, and the name it sorts by."""

    tier: int
    sort_key: str


class ProductPage(paging.Page, frozen=True, kw_only=True):
    items: list[CatalogItem]


def caller_language(lang: str | None, accept_language: str | None) -> Language:
    """`lang` when given, else the first language of Accept-Language the catalog has names in
    (by its weights), else English."""
    if lang is not None:
        return "ja" if lang == "ja" else "en"
    ranked: list[tuple[float, int, Language]] = []
    for n, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().split("-")[0].lower()
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if weight > 0 and primary in LANGUAGES:
            ranked.append((-weight, n, "ja" if primary == "ja" else "en"))
    return min(ranked)[2] if ranked else "en"


def search_text(q: str | None) -> str | None:
    """What to search for; None for no search."""
    text = (q or "").strip()
    return text or None


def decode_cursor(cursor: str | None) -> PageKey | None:
    """The key a cursor stands for; None for the first page."""
    return paging.decode_cursor(cursor, PageKey)


def product_page(rows: Sequence[Found], currency: str, limit: int) -> ProductPage:
    """A page from up to `limit` + 1 rows: the extra row only tells that there is more."""
    shown, after = paging.cut(rows, limit, lambda p: (p.tier, p.sort_key, p.sku))
    return ProductPage(items=[catalog_item(p, currency) for p in shown], next_cursor=after)
