"""The catalog's HTTP API: decode a struct, call a use case, encode a struct. No SQL, no rules."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Request, Response, get, patch, put
from litestar.params import FromPath, QueryParameter

from services.orders.catalog import service
from services.orders.catalog.domain import (
    MAX_ITEMS,
    MAX_QUANTITY,
    PREFERENCE_PATTERN,
    CatalogItem,
    PriceChange,
    ProductDefinition,
    StockCount,
    Updated,
    Upserted,
    Zone,
)
from services.orders.catalog.pages import HEADERS, NOT_MODIFIED
from services.orders.catalog.paging import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Language,
    ProductPage,
    caller_language,
)
from services.orders.catalog.substitutes import Substitute
from services.orders.deps import AcceptLanguage, IfNoneMatch, Pages
from shared import paging
from shared.auth import Role
from shared.web.access import PUBLIC, allow
from shared.web.deps import Pool, Tx
from shared.web.openapi import example

MANAGERS = [allow(Role.MANAGER, Role.SERVICE)]


class ProductDefinitions(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    items: Annotated[list[ProductDefinition], msgspec.Meta(min_length=1, max_length=MAX_ITEMS)]


class PriceChanges(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    items: Annotated[list[PriceChange], msgspec.Meta(min_length=1, max_length=MAX_ITEMS)]


class StockCounts(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    items: Annotated[list[StockCount], msgspec.Meta(min_length=1, max_length=MAX_ITEMS)]


@get(
    "/v1/stores/{store_id:str}/products",
    opt=PUBLIC,
    tags=["catalog"],
    operation_id="searchProducts",
    responses=NOT_MODIFIED,
    response_headers=HEADERS,
)
async def search_products(
    request: Request,
    store_id: FromPath[str],
    pool: Pool,
    pages: Pages,
    q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    lang: Annotated[
        Language | None,
        QueryParameter(description="names to rank and sort by; else from Accept-Language"),
    ] = None,
    accept_language: AcceptLanguage = None,
    if_none_match: IfNoneMatch = None,
    category: Annotated[str | None, QueryParameter(max_length=40)] = None,
    zone: Annotated[Zone | None, QueryParameter()] = None,
    cursor: Annotated[str | None, QueryParameter(max_length=2048)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response[ProductPage]:
    """A page of a store's products, the most relevant first, then by name (anyone).

    The caller's language (`lang`, else Accept-Language, else English) chooses the names: English
    names in their order, Japanese ones in the order of their kana reading. `q` matches part of
    the English or Japanese name, the reading or the brand, folding case, full- and half-width
    forms and katakana to hiragana (so ﾀﾞｲｺﾝ, ダイコン and だいこん all find 大根). Names in the
    caller's language that start with `q` come first, then those with a word starting with it,
    then those containing it, then matches in the other language, then by brand. Pass a page's
    `next_cursor` as `cursor` for the next page, with the same filters and language. The answer
    has an `ETag` (send it back as `If-None-Match` for a 304) and may be cached, revalidated each
    time; a changed price is never served from a cache, what is available may lag by a second
    or two.
    """
    language = caller_language(lang, accept_language)
    return await pages.answer(
        pool,
        request,
        store_id,
        lambda conn: service.search(
            conn,
            store_id,
            q=q,
            lang=language,
            category=category,
            zone=zone,
            cursor=cursor,
            limit=limit,
        ),
        if_none_match=if_none_match,
        language=None if lang is not None else language,
    )


@get(
    "/v1/stores/{store_id:str}/products/{sku:str}",
    opt=PUBLIC,
    tags=["catalog"],
    operation_id="getProduct",
    responses=NOT_MODIFIED,
    response_headers=HEADERS,
)
async def get_product(
    request: Request,
    store_id: FromPath[str],
    sku: FromPath[str],
    pool: Pool,
    pages: Pages,
    if_none_match: IfNoneMatch = None,
) -> Response[CatalogItem]:
    """One product with its price and what is available to order (anyone); with an `ETag`,
    cached as the search is."""
    return await pages.answer(
        pool,
        request,
        store_id,
        lambda conn: service.get_product(conn, store_id, sku),
        if_none_match=if_none_match,
    )


class SubstitutePage(paging.Page, frozen=True, kw_only=True):
    items: list[Substitute]


@get(
    "/v1/stores/{store_id:str}/products/{sku:str}/substitutes",
    guards=[allow(Role.SERVICE, Role.MANAGER, Role.PICKER)],
    tags=["catalog"],
    operation_id="listSubstitutes",
)
async def list_substitutes(
    store_id: FromPath[str],
    sku: FromPath[str],
    conn: Tx,
    quantity: Annotated[
        int, QueryParameter(ge=1, le=MAX_QUANTITY, description="pieces for `each`, grams for `kg`")
    ],
    preference: Annotated[
        str,
        QueryParameter(
            pattern=PREFERENCE_PATTERN,
            max_length=100,
            description="the line's: none, same_brand, any or sku:<SKU>",
        ),
    ],
) -> SubstitutePage:
    """Up to 5 products to offer instead of `quantity` of `sku`, likest first, each with why
    (the store's pickers and manager, or a service); one page (`next_cursor` null).

    Each is another product sold in the same unit with at least `quantity` available, that the
    preference allows: `any` the same kind of product (its name says what the original's does:
    milk for milk, udon for udon; never merely the same category), `same_brand` that and the
    same brand, `sku:X` only X, `none` nothing. None brings an allergen the original did not
    have. The likest name comes first, then the same brand, the nearer size and the nearer price.
    `reasons` says what it shares (same_kind, same_brand, same_size, similar_size, or
    named_by_shopper), `reason` the same in words, with the price difference.
    """
    offers = await service.substitutes(
        conn, store_id, sku, quantity=quantity, preference=preference
    )
    return SubstitutePage(items=offers, next_cursor=None)


PRODUCTS_EXAMPLE = example(
    ProductDefinitions,
    {
        "items": [
            {
                "sku": "SKU-10001",
                "ean": "4900000100013",
                "name_en": "Cabbage 1 head",
                "name_ja": "キャベツ 1玉",
                "brand": "Local Farm",
                "category": "vegetables",
                "zone": "produce",
                "unit": "each",
                "price": {"amount": 198, "currency": "JPY"},
                "reading": "きゃべつ 1たま",
                "tax_class": "reduced",
            },
            {
                "sku": "SKU-10005",
                "ean": "4900000100051",
                "name_en": "Potatoes, loose",
                "name_ja": "じゃがいも（バラ売り）",
                "brand": "JA Hokkaido",
                "category": "vegetables",
                "zone": "produce",
                "unit": "kg",
                "price": {"amount": 398, "currency": "JPY"},
                "reading": "じゃがいも（ばらうり）",
            },
        ]
    },
    "A cabbage sold each, potatoes by the kilogram",
)


@put(
    "/v1/stores/{store_id:str}/products",
    guards=MANAGERS,
    tags=["catalog"],
    operation_id="defineProducts",
)
async def define_products(
    store_id: FromPath[str], data: Annotated[ProductDefinitions, PRODUCTS_EXAMPLE], conn: Tx
) -> Upserted:
    """Create or redefine up to 1000 products, all or none; stock is not touched (its manager)."""
    return await service.define_products(conn, store_id, data.items)


PRICES_EXAMPLE = example(
    PriceChanges,
    {"items": [{"sku": "SKU-10001", "price": {"amount": 178, "currency": "JPY"}}]},
    "Cabbage down to 178 yen",
)


@patch(
    "/v1/stores/{store_id:str}/prices",
    guards=MANAGERS,
    tags=["catalog"],
    operation_id="changePrices",
)
async def change_prices(
    store_id: FromPath[str], data: Annotated[PriceChanges, PRICES_EXAMPLE], conn: Tx
) -> Updated:
    """New prices for up to 1000 products, all or none (its manager)."""
    return await service.change_prices(conn, store_id, data.items)


STOCK_EXAMPLE = example(
    StockCounts,
    {"items": [{"sku": "SKU-10001", "on_hand": 42}, {"sku": "SKU-10002", "on_hand": 18}]},
    "Counted on the shelf this morning",
)


@patch(
    "/v1/stores/{store_id:str}/stock",
    guards=MANAGERS,
    tags=["catalog"],
    operation_id="countStock",
)
async def count_stock(
    store_id: FromPath[str], data: Annotated[StockCounts, STOCK_EXAMPLE], conn: Tx
) -> Updated:
    """Stock on hand after a stock take (pieces, or grams for `kg` products), all or none (its
    manager). A count below what online orders hold is recorded: online sales of that product
    stop, and those orders' picks come up short."""
    return await service.count_stock(conn, store_id, data.items)


ROUTES = [
    search_products,
    get_product,
    list_substitutes,
    define_products,
    change_prices,
    count_stock,
]
