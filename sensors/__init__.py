"""Sensors: briefs uploaded to the store, dead runs, review decisions, the plan's alerts over production
health, and failed production runs."""
