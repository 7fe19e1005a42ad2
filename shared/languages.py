"""The language a store's screens speak, pure.

A store has no locale of its own (orders owns stores, and `store.updated` carries the time zone
only), so its screens follow the country its time zone names: a store in Japan reads Japanese,
any other English. The handheld and the manager's live page both ask here; each lets its reader
switch and keeps that choice on the device.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["ja", "en"]
LANGUAGE_BY_TIMEZONE: dict[str, Language] = {"Asia/Tokyo": "ja"}


def store_language(timezone: str) -> Language:
    return LANGUAGE_BY_TIMEZONE.get(timezone, "en")
