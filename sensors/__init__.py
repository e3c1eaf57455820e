"""Sensors: the brief-upload sensor, which turns each brief dropped in the store into a job and a run."""
