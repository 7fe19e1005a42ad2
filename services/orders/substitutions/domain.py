"""Deciding a proposed substitute when the shopper does not answer in time. Pure."""

from __future__ import annotations

from shared.errors import Conflict


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
