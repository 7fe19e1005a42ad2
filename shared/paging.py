"""One way to page a list: `{items, next_cursor}`, keyset cursors, the same on every list.

A list answers a page of `items` and `next_cursor`: null on the last page, else an opaque string
the client passes back as `?cursor=` for the next. A cursor is the sort key of the last item
shown (base64url of its JSON), so a page costs the same however deep it is, and items added
meanwhile neither repeat nor shift what comes next. A list whose whole length is bounded by the
store (its riders, its bins) answers in the same envelope with `next_cursor` null, so a client
pages every list with one loop.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import msgspec

from shared.errors import InvalidInput

T = TypeVar("T")


class Page(msgspec.Struct, frozen=True, kw_only=True):
    """The envelope of every list: a list's own page struct adds `items: list[<its item>]`
    (one named schema a list, which a generic struct's module-qualified name is not)."""

    next_cursor: str | None  # pass as `cursor` for the next page; null on the last page


def encode_cursor(*key: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode_cursor(cursor: str | None, key: type[T]) -> T | None:
    """The sort key a cursor stands for (as the tuple type `key`); None for the first page."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=key)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise InvalidInput(
            "not a cursor this API gave out; start again without one", field="cursor"
        ) from None


def cut(rows: Sequence[T], limit: int, key: Callable[[T], tuple]) -> tuple[Sequence[T], str | None]:
    """A page from up to `limit` + 1 rows (the extra row only tells that there is more): the
    rows to show and the cursor after the last of them."""
    shown = rows[:limit]
    more = len(rows) > limit
    return shown, encode_cursor(*key(shown[-1])) if more else None
