"""Sensors: the brief-upload sensor and alert sensors (the brief-upload sensor arrives with the GCS store)."""
