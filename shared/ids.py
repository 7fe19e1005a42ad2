"""Identifiers: UUIDv7, time-ordered so that indexes stay append-mostly and ids sort by creation;
and codes people read off paper and type back (member cards, receipts' tracking codes)."""

from __future__ import annotations

import os
import secrets
import time
import uuid

# Crockford's base 32: no I, L, O, U, so a code read aloud or typed back is not misread.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits."""
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 68) << 64 & (0xFFF << 64)  # 12 bits rand_a
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # 62 bits rand_b
    return uuid.UUID(int=value)


def paper_code(groups: int, size: int) -> str:
    """`groups` groups of `size` random Crockford characters joined by dashes (5 bits each)."""
    body = "".join(secrets.choice(CROCKFORD) for _ in range(groups * size))
    return "-".join(body[i : i + size] for i in range(0, len(body), size))
