"""Fixtures the end-to-end tests share with the integration tests (imported, not copied)."""

from tests.integration.conftest import demo

__all__ = ["demo"]  # pytest finds fixtures by name in a conftest
