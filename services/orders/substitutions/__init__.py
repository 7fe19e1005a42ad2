"""Substitutions: the shopper decides what a picker proposes, or their preference does."""
