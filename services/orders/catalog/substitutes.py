"""Which products a shopper would accept instead of a short one, and why. Pure, no I/O.

A substitute must be the same kind of product: its English name shares a word that says what it
is (milk, udon, koshihikari), not merely the category (cherry tomatoes are not onions, daikon is
not spinach). When no product of the kind is available, none is offered: a line short is better
than a line the shopper did not want. Nor does a substitute bring an allergen the ordered
product did not have. Among those of the kind, the closer the name, the same brand, the nearer
the size and the nearer the price, the better. A product the shopper named is offered as named.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal, cast

import msgspec

from services.orders.catalog.domain import CatalogItem, Product, StockedProduct
from services.orders.catalog.reasons import reason_text
from shared.events import SubstituteReason
from shared.money import Money

MAX_SUBSTITUTES = 5
Reason = Literal["named_by_shopper", "same_kind", "same_brand", "same_size", "similar_size"]
PRICE_CODES = frozenset({"same_price", "cheaper", "dearer"})
# A size within this ratio of the original's is similar (400 g for 500 g, not 200 g).
SIMILAR_SIZE = 0.75
# How much each likeness weighs; the kind outweighs the rest, as it does for a shopper.
KIND, BRAND, SIZE, PRICE = 4.0, 1.0, 2.0, 1.0

_WORD = re.compile(r"[a-z0-9]+")
_SIZE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(kg|g|ml|l|pcs|pc|slices|sheets|servings|serving|packs|pack|bags|sticks)\b"
    r"(?:\s*x\s*(\d+))?",
    re.IGNORECASE,
)
_MEASURE = {"kg": ("g", 1000.0), "g": ("g", 1.0), "ml": ("ml", 1.0), "l": ("ml", 1000.0)}
# Words that say how a product is packed or sold, not what it is.
_FORM = frozenset(
    "pc pcs pack packs g kg ml mm x loose by weight bunch head half sheet slice serving fillet "
    "bag stick cup mini size of and the for with in".split()
)


class Why(msgspec.Struct, frozen=True, kw_only=True):
    """What a substitute has in common with the product it stands in for, and its price."""

    why: list[SubstituteReason]
    score: float

    @property
    def reasons(self) -> list[Reason]:
        """The likenesses alone, as codes."""
        return cast(list[Reason], [r.code for r in self.why if r.code not in PRICE_CODES])


class Substitute(CatalogItem, frozen=True, kw_only=True):
    """A product offered instead of a short one, with why: the likenesses as codes (`reasons`),
    in English words with the price difference (`reason`), and every one of those as a code with
    its parameters (`why`), for a screen to word in its own language."""

    reasons: list[Reason]
    reason: str
    why: list[SubstituteReason]


def offer(item: CatalogItem, why: Why) -> Substitute:
    return Substitute(
        **msgspec.structs.asdict(item),
        reasons=why.reasons,
        reason=reason_text(why.why, "en"),
        why=why.why,
    )


def named_substitute(preference: str) -> str | None:
    """The one sku a `sku:<SKU>` preference allows; None for the other preferences."""
    return preference.removeprefix("sku:") if preference.startswith("sku:") else None


def _stem(word: str) -> str:
    if word.endswith("oes"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def kind_words(name_en: str) -> frozenset[str]:
    """The words of a name that say what the product is: no sizes, counts or packing."""
    words = {_stem(w) for w in _WORD.findall(name_en.lower())}
    return frozenset(w for w in words if len(w) > 1 and not w[0].isdigit() and w not in _FORM)


def size_of(name_en: str) -> tuple[str, float] | None:
    """The size a name states, as (grams | ml | pieces, how many); None if it states none."""
    match = _SIZE.search(name_en)
    if match is None:
        return None
    amount, unit, times = float(match[1]), match[2].lower(), int(match[3] or 1)
    measure, factor = _MEASURE.get(unit, ("pieces", 1.0))
    return measure, amount * factor * times


def _size_text(name_en: str) -> str:
    match = _SIZE.search(name_en)
    return match[0] if match else ""


def _shared(original: Product, candidate: Product) -> tuple[frozenset[str], frozenset[str]]:
    """The kind words both names hold, and all either holds; a brand's own words count only
    between brands (Meiji milk and Meiji yogurt are not alike for being Meiji's)."""
    ours, theirs = kind_words(original.name_en), kind_words(candidate.name_en)
    brand = kind_words(original.brand) if original.brand == candidate.brand else frozenset()
    return (ours & theirs) - brand, (ours | theirs) - brand


def _size_likeness(original: Product, candidate: Product) -> float | None:
    """1 for the same size, down to 0; None when the sizes cannot be compared."""
    if original.unit == "kg":  # sold by the gram, asked for by the gram
        return None
    ours, theirs = size_of(original.name_en), size_of(candidate.name_en)
    if ours is None or theirs is None or ours[0] != theirs[0] or not ours[1] or not theirs[1]:
        return None
    return min(ours[1], theirs[1]) / max(ours[1], theirs[1])


def likeness(original: Product, candidate: Product, currency: str) -> Why | None:
    """Why `candidate` could replace `original`; None if a shopper would not accept it."""
    shared, either = _shared(original, candidate)
    if not shared or set(candidate.allergens) - set(original.allergens):
        return None
    why = [SubstituteReason(code="same_kind", kind=sorted(shared))]
    same_brand = candidate.brand == original.brand
    if same_brand:
        why.append(SubstituteReason(code="same_brand", brand=candidate.brand))
    size = _size_likeness(original, candidate)
    if size == 1:
        why.append(SubstituteReason(code="same_size", size=_size_text(candidate.name_en)))
    elif size is not None and size >= SIMILAR_SIZE:
        why.append(SubstituteReason(code="similar_size", size=_size_text(candidate.name_en)))
    why.append(_price_reason(original, candidate, currency))
    gap = abs(candidate.price - original.price) / original.price if original.price else 0.0
    score = (
        KIND * len(shared) / len(either)
        + BRAND * same_brand
        + SIZE * (size or 0.0)
        + PRICE * max(0.0, 1 - gap)
    )
    return Why(why=why, score=round(score, 4))


def _price_reason(original: Product, candidate: Product, currency: str) -> SubstituteReason:
    gap = candidate.price - original.price
    if gap == 0:
        return SubstituteReason(code="same_price")
    return SubstituteReason(
        code="dearer" if gap > 0 else "cheaper",
        difference=Money(abs(gap), currency),
        per_kg=candidate.unit == "kg",
    )


def rank_substitutes(
    original: Product, candidates: Sequence[StockedProduct], preference: str, currency: str
) -> list[tuple[StockedProduct, Why]]:
    """What a line's preference lets replace `original`, best first, at most MAX_SUBSTITUTES.

    `candidates` are the products that could stand in at all: others sold in the same unit with
    enough available, of the category or named (the query's filter). `any` takes the same kind,
    `same_brand` the same kind of the same brand, `sku:X` X alone, `none` nothing. The likest
    comes first; then the nearer price, the cheaper and the sku, so that the list is stable.
    """
    named = named_substitute(preference)
    if named is not None:
        return [
            (c, Why(why=[SubstituteReason(code="named_by_shopper")], score=0.0))
            for c in candidates
            if c.sku == named
        ]
    if preference == "none":
        return []
    liked = [
        (c, why)
        for c in candidates
        if c.category == original.category
        and (preference == "any" or c.brand == original.brand)
        and (why := likeness(original, c, currency)) is not None
    ]
    liked.sort(key=lambda x: (-x[1].score, abs(x[0].price - original.price), x[0].price, x[0].sku))
    return liked[:MAX_SUBSTITUTES]
