"""Fulfillment: pick tasks and batches, handheld screens, scans, substitutions, packing."""
