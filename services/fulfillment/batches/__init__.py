"""Batches: claiming under a lease, scanning, shortages and substitutes, packing."""
