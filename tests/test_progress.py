"""The CLI's progress follows a run's steps and returns as soon as the run ends, not at its next look."""

import time

import dagster as dg

from aiprod_assets.cli.progress import execute_with_progress

jobs = dg.StaticPartitionsDefinition(["one"])


@dg.asset(partitions_def=jobs)
def first() -> int:
    time.sleep(0.5)  # still running at the progress loop's first look
    return 1


@dg.asset(partitions_def=jobs)
def second(first: int) -> int:
    return first + 1


def test_progress_returns_when_the_run_ends_not_at_its_next_look(capsys):
    job = dg.Definitions(assets=[first, second], jobs=[dg.define_asset_job("two_steps")]).resolve_job_def("two_steps")
    with dg.instance_for_test() as instance:
        started = time.perf_counter()
        result = execute_with_progress(job, instance, "one", poll_sec=60)
        took = time.perf_counter() - started
    assert result.success
    assert took < 30, f"{took:.1f} s: the loop waited out its poll interval after the run ended"
    assert "2/2" in capsys.readouterr().err, "the bar still counted both steps"
