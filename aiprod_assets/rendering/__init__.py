"""Rendering: the render backends, per-shot resumable clips and the final cut."""
