"""Nudges: after a visit to the store, a member's reason to come back online, and what it earned."""
