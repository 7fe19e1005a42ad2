"""Dispatch: one dispatcher per store plans routes for ready orders and free riders."""
