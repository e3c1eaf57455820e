"""Asset metadata as the UI should show it: floats with the digits that carry information, and
locations as links a person can open."""

import math

import dagster as dg

SIGNIFICANT_DIGITS = 6


def readable(value):
    """A float to six significant digits (23.7462, not 23.746199999999998); anything else as it is.
    Six digits keep a previz cost such as 0.000110 USD whole."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return value


def readable_metadata(metadata: dict) -> dict:
    return {key: readable(value) for key, value in metadata.items()}


def location(uri: str) -> dg.MetadataValue:
    """A stored file's location: a local path, or a URL for a remote store (gs://...)."""
    if uri.startswith("file://"):
        return dg.MetadataValue.path(uri.removeprefix("file://"))
    return dg.MetadataValue.url(uri)
