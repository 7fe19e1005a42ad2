"""A proposed substitute, and deciding it when the shopper does not answer in time. Pure."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.errors import Conflict
from shared.events import DecidedBy, SubstituteReason, Unit
from shared.money import Money


class Proposal(msgspec.Struct, frozen=True, kw_only=True):
    store_id: str
    substitution_id: str
    order_id: str
    line_no: int
    sku: str
    decide_by: datetime
    approved: bool | None
    decided_by: DecidedBy | None
    decided_at: datetime | None
    preference: str


class ProposalView(msgspec.Struct, frozen=True, kw_only=True):
    substitution_id: str
    line_no: int
    short_by: int
    sku: str
    name_en: str
    name_ja: str
    unit: Unit
    quantity: int
    unit_price: Money  # per piece, or per kilogram
    decide_by: datetime
    approved: bool | None
    decided_by: DecidedBy | None
    decided_at: datetime | None
    # Why the catalog offered it (same kind, brand, size; the price difference): in words, in
    # the reader's language, and as codes with their parameters for an app to word itself
    # (empty for proposals made before the catalog gave codes: their words are English).
    reason: str
    why: list[SubstituteReason]


class DecidedByPreference(Conflict):
    """The request conflicts with the current state.

    The shopper answered after the time to decide ran out: the line's preference decided
    instead, and that decision stands (the refusal commits it).
    """

    commits = True


def preference_approves(preference: str, substitute_sku: str) -> bool:
    """The line's preference, standing in for the shopper.

    `none` declines; `same_brand` and `any` approve (the picker proposed within them); a named
    sku approves only that sku.
    """
    if preference == "none":
        return False
    if preference.startswith("sku:"):
        return preference.removeprefix("sku:") == substitute_sku
    return preference in ("same_brand", "any")
