"""The loop back, as rules: after a visit to the store, which reason to come back online (if
any) a member is told, whether it may still go out, and which online order it earned. Pure.

A nudge is one member-specific reason, in this order of strength:
1. `back_in_stock`: something they buy often came up short in one of their orders lately and
   is on the shelf again;
2. `liked_substitute`: a substitute they approved themselves is on the shelf;
3. `deliver_next_time`: what they carried home today can come to their door next time.

Nothing goes to a member who has not agreed to it (or opted out since), who ordered online
since the visit or has an online order on its way, or who was nudged within `QUIET`. A nudge
earns the first online order its member places within the store's window after it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

import msgspec

Kind = Literal["deliver_next_time", "back_in_stock", "liked_substitute"]
KINDS: tuple[Kind, ...] = ("back_in_stock", "liked_substitute", "deliver_next_time")
Channel = Literal["push", "sms"]
Withheld = Literal["opted_out", "ordered"]
Skipped = Literal["no_consent", "ordered", "recently_nudged", "nothing_to_say"]
QUIET = timedelta(days=3)  # at most one nudge in this long: a reason, not a stream of ads
MAX_ITEMS = 3  # named in one message
WINDOW = timedelta(days=7)  # an online order this long after a nudge was sent counts for it


class Product(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    name_en: str
    name_ja: str
    available: int  # what the online channel may still sell: on hand less reserved


class Member(msgspec.Struct, frozen=True, kw_only=True):
    """What the rules need to know of the member at the moment of judging."""

    channel: Channel | None  # None: no consent, or withdrawn
    ordered_online: bool  # an online order placed since the visit, or one still on its way
    last_nudged_at: datetime | None
    often_short: Sequence[str] = ()  # bought often, short in one of their orders lately
    liked: Sequence[str] = ()  # substitutes they approved themselves, newest first


class Nudge(msgspec.Struct, frozen=True, kw_only=True):
    kind: Kind
    channel: Channel
    skus: list[str]
    message: str


class Received(msgspec.Struct, frozen=True, kw_only=True):
    """A nudge as its member's app lists it."""

    nudge_id: str
    store_id: str
    kind: Kind
    skus: list[str]
    message: str
    sent_at: datetime
    opened_at: datetime | None


def decide(
    member: Member,
    bought: Sequence[str],
    products: Mapping[str, Product],
    now: datetime,
) -> Nudge | Skipped:
    """The nudge a visit earns the member (`bought`: the skus they took home), or why none."""
    if member.channel is None:
        return "no_consent"
    if member.ordered_online:
        return "ordered"
    if member.last_nudged_at is not None and now - member.last_nudged_at < QUIET:
        return "recently_nudged"
    carried = set(bought)
    reasons: dict[Kind, Sequence[str]] = {
        "back_in_stock": member.often_short,
        "liked_substitute": [s for s in member.liked if s not in carried],
        "deliver_next_time": bought,
    }
    for kind in KINDS:
        skus = _on_shelf(reasons[kind], products)
        if skus:
            names = [products[s] for s in skus]
            return Nudge(kind=kind, channel=member.channel, skus=skus, message=message(kind, names))
    return "nothing_to_say"


def _on_shelf(skus: Sequence[str], products: Mapping[str, Product]) -> list[str]:
    """The first few of `skus` the store can sell online now, each once."""
    found: list[str] = []
    for sku in skus:
        product = products.get(sku)
        if product is not None and product.available > 0 and sku not in found:
            found.append(sku)
    return found[:MAX_ITEMS]


_TEXT: dict[Kind, tuple[str, str]] = {
    "back_in_stock": ("{en} is back on our shelves: order it now, at your door in 30 minutes.",
                      "{ja}が入荷しました。今ご注文いただけば30分でお届けします。"),
    "liked_substitute": ("You liked {en} last time: add it to your next order.",
                         "前回お気に召した{ja}を次のご注文にいかがですか。"),
    "deliver_next_time": ("Next time we can bring {en} to your door within 30 minutes.",
                          "今日お買い上げの{ja}、次回はアプリから30分でお届けします。"),
}  # fmt: skip


def message(kind: Kind, products: Sequence[Product]) -> str:
    """The text sent: English, then Japanese, the products named in each."""
    en, ja = _TEXT[kind]
    return "\n".join(
        (
            en.format(en=", ".join(p.name_en for p in products)),
            ja.format(ja="、".join(p.name_ja for p in products)),
        )
    )


def withhold(channel: Channel | None, ordered_online: bool) -> Withheld | None:
    """At sending: a member who opted out since, or ordered online since, is not nudged."""
    if channel is None:
        return "opted_out"
    return "ordered" if ordered_online else None


def earns(sent_at: datetime | None, ordered_at: datetime, window: timedelta) -> bool:
    """Whether an online order placed at `ordered_at` followed a nudge sent at `sent_at`."""
    return sent_at is not None and sent_at <= ordered_at <= sent_at + window


def rate(part: int, whole: int) -> float | None:
    """A share to three places; None of nothing."""
    return round(part / whole, 3) if whole else None
