"""Intake: the brief as submitted, and its validated, normalized form."""
