"""The code location silences exactly the warnings the tests silence."""

import tomllib
import warnings

from aiprod_assets.warning_filters import QUIET, quiet_dagster_notices
from tests.support.jobs import REPO


def _pytest_filters() -> set[tuple[str, str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    filters = set()
    for entry in config["tool"]["pytest"]["ini_options"]["filterwarnings"]:
        action, message, category = entry.split(":")
        assert action == "ignore"
        filters.add((message, category.rsplit(".", 1)[-1]))
    return filters


def test_the_code_location_and_the_tests_filter_the_same_warnings():
    assert {(message, category.__name__) for message, category in QUIET} == _pytest_filters()


def test_a_filtered_notice_is_not_shown_once_the_filters_apply():
    import dagster as dg

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        quiet_dagster_notices()
        warnings.warn("a beta API", dg.BetaWarning, stacklevel=1)
        warnings.warn("something else", UserWarning, stacklevel=1)
    assert [type(w.message) for w in caught] == [UserWarning]
