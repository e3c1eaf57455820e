"""Benchmarks: each prints a ratio against a baseline run in the same process."""
