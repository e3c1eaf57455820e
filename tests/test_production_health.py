"""production_health's arithmetic, directly: which runs and jobs count on a day, committed spend, the
failure rate, and a job's wall clock from its first run to the run that delivered it."""

import pytest

from aiprod_assets.contracts import JobHealth
from aiprod_assets.operations.health import (
    day_bounds,
    day_health,
    runs_frame,
    wall_clock_sec,
)

DAY = "2026-12-01"
START, END = day_bounds(DAY)
HOUR = 3600.0


def _runs():
    return runs_frame([
        # Delivered today after a first run yesterday evening that failed.
        {"run_id": "a1", "job_id": "a", "status": "FAILURE", "start": START - 2 * HOUR, "end": START - HOUR},
        {"run_id": "a2", "job_id": "a", "status": "SUCCESS", "start": START + HOUR, "end": START + 2 * HOUR},
        # Failed today.
        {"run_id": "b1", "job_id": "b", "status": "FAILURE", "start": START + 3 * HOUR, "end": START + 3.5 * HOUR},
        # Still running.
        {"run_id": "c1", "job_id": "c", "status": "STARTED", "start": START + 4 * HOUR, "end": float("nan")},
        # Tomorrow: not counted.
        {"run_id": "d1", "job_id": "d", "status": "SUCCESS", "start": END + HOUR, "end": END + 2 * HOUR},
    ])


def _job(job_id, runs):
    facts = {"a": dict(delivered=True, estimate_usd=2.0, actual_usd=2.5, committed_usd=2.5, quality_score=0.8,
                       wall_clock_sec=wall_clock_sec(runs), shot_failures=1),
             "b": dict(delivered=False, estimate_usd=4.0, actual_usd=1.0, committed_usd=4.0, shot_failures=3),
             "c": dict(delivered=False, estimate_usd=3.0, actual_usd=0.0, committed_usd=3.0)}
    return JobHealth(job_id=job_id, **facts[job_id]) if job_id in facts else None


def test_a_day_counts_its_runs_and_the_jobs_they_touch():
    health = day_health(DAY, _runs(), _job, delivered_on_day=["a"], daily_limit_usd=10.0)
    assert [j.job_id for j in health.jobs] == ["a", "b", "c"]
    # Yesterday's failed run and tomorrow's run are not today's; the running one has not finished.
    assert (health.runs_finished, health.runs_failed, health.failure_rate) == (2, 1, 0.5)
    assert health.committed_usd == pytest.approx(2.5 + 4.0 + 3.0)
    assert health.mean_quality == 0.8 and health.shot_failures == 4
    assert health.mean_wall_clock_sec == pytest.approx(4 * HOUR)  # from yesterday's first run to today's delivery


def test_a_job_not_delivered_has_no_wall_clock_and_a_quiet_day_has_no_means():
    runs = _runs()
    assert wall_clock_sec(runs[runs.job_id == "b"]) is None
    quiet = day_health("2026-11-15", runs, _job, delivered_on_day=[], daily_limit_usd=10.0)
    assert (quiet.jobs, quiet.runs_finished, quiet.failure_rate, quiet.mean_quality) == ([], 0, 0.0, None)
    assert runs_frame([]).empty
