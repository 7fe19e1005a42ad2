"""Fixtures the end-to-end tests share with the integration tests (imported, not copied)."""

from tests.integration.conftest import demo, floor_url

__all__ = ["demo", "floor_url"]  # pytest finds fixtures by name in a conftest
