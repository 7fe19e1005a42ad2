"""Keys for signing the QR codes and hashes the services hand out, from the deployment secret."""

from __future__ import annotations

import hashlib
import hmac


def derive_key(secret: str, purpose: str) -> bytes:
    """A key of its own per use of the deployment secret, so no two uses can stand in for each
    other (a JWT signature is never a valid member code, pickup code or code hash)."""
    return hmac.new(secret.encode(), f"omo:{purpose}".encode(), hashlib.sha256).digest()
