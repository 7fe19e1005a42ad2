"""Stores: where each store is, its radius, currency and zone; the source of `store.updated`."""
