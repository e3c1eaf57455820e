"""Delivery: the manifest of what was made, its cost certification, QA summary and lineage."""
