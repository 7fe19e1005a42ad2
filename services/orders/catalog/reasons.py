"""Why a substitute was offered, in a shopper's words, English or Japanese. Pure, no I/O.

The catalog says why as codes with their parameters (`shared.events.SubstituteReason`); this
words them for the order an app reads, in the caller's language. The handheld words the same
codes in its own language file (services/fulfillment/handheld/static/i18n.js), as it words
everything else it shows: keep the two saying the same.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.orders.catalog.paging import Language
from shared.events import SubstituteReason
from shared.money import Money

PHRASES: dict[Language, dict[str, str]] = {
    "en": {
        "named_by_shopper": "the shopper named it",
        "same_kind": "same kind ({kind})",
        "same_brand": "same brand ({brand})",
        "same_size": "same size ({size})",
        "similar_size": "similar size ({size})",
        "same_price": "same price",
        "cheaper": "{difference} cheaper",
        "dearer": "{difference} dearer",
    },
    "ja": {
        "named_by_shopper": "お客様のご指定",
        # The kind words are the English names' own: a Japanese sentence leaves them out.
        "same_kind": "同じ種類",
        "same_brand": "同じブランド（{brand}）",
        "same_size": "同じサイズ（{size}）",
        "similar_size": "近いサイズ（{size}）",
        "same_price": "同じ価格",
        "cheaper": "{difference}安い",
        "dearer": "{difference}高い",
    },
}
SEPARATOR: dict[Language, str] = {"en": "; ", "ja": "、"}


def money_text(money: Money, per_kg: bool, lang: Language) -> str:
    """An amount as a shopper reads it: "JPY 40", "JPY 40/kg"; in Japanese yen "40円",
    "1kgあたり40円"."""
    major = f"{money.amount / 10**money.exponent:.{money.exponent}f}"
    if lang == "ja":
        amount = f"{major}円" if money.currency == "JPY" else f"{money.currency} {major}"
        return f"1kgあたり{amount}" if per_kg else amount
    return f"{money.currency} {major}{'/kg' if per_kg else ''}"


def reason_text(why: Sequence[SubstituteReason], lang: Language) -> str:
    """The reasons as one sentence in `lang`, in the order the catalog gave them."""
    phrases = PHRASES[lang]
    said = []
    for reason in why:
        difference = reason.difference
        said.append(
            phrases[reason.code].format(
                kind=", ".join(reason.kind),
                brand=reason.brand or "",
                size=reason.size or "",
                difference=money_text(difference, reason.per_kg, lang) if difference else "",
            )
        )
    return SEPARATOR[lang].join(said)
