"""Warnings the code location silences: Dagster's own Beta/Preview notices and deprecations raised
inside Dagster, not by our code. The test configuration (pyproject.toml) filters the same list, and a
test keeps the two equal, so a UI run logs what a test run shows."""

import warnings

import dagster as dg

# (message regex, category), in pytest's "ignore:MESSAGE:CATEGORY" terms.
QUIET = [
    ("", dg.BetaWarning),
    ("", dg.PreviewWarning),
    ("The `__fields__` attribute is deprecated", DeprecationWarning),
    ("InitResourceContext.dagster_run is deprecated", DeprecationWarning),
]


def quiet_dagster_notices() -> None:
    for message, category in QUIET:
        warnings.filterwarnings("ignore", message=message, category=category)
