"""Benchmarks: speed and memory figures, run by hand, never timed tests."""
