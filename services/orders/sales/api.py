"""HTTP API of this feature (routes are added as the feature is built)."""

from __future__ import annotations

ROUTES: list = []
