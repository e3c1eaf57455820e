"""A day of production health from the job records and the run records, with pandas.

Run rows: run_id, job_id, status (SUCCESS | FAILURE | other), start, end (epoch seconds or NaN).
A job counts on a day when one of its runs started or ended on it, or it was delivered on it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiprod_assets.contracts import JobHealth, ProductionHealth

if TYPE_CHECKING:
    import pandas as pd  # imported where runs are tabled: a job never needs it

RUN_COLUMNS = ["run_id", "job_id", "status", "start", "end"]


def day_bounds(day: str) -> tuple[float, float]:
    start = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def runs_frame(rows: list[dict]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=RUN_COLUMNS).astype({"start": float, "end": float})


def wall_clock_sec(runs: pd.DataFrame) -> float | None:
    """From the first run's start to the end of the run that delivered (the last successful one)."""
    delivered = runs[runs.status == "SUCCESS"]
    if delivered.empty or runs.start.isna().all():
        return None
    return round(float(delivered.end.max() - runs.start.min()), 3)


def day_health(day: str, runs: pd.DataFrame, job_health: Callable[[str, pd.DataFrame], JobHealth | None],
               delivered_on_day: list[str], daily_limit_usd: float, now: datetime | None = None) -> ProductionHealth:
    """``job_health(job_id, that job's runs)`` reads one job's records; None where it has none yet."""
    import pandas as pd

    start, end = day_bounds(day)
    on_day = runs[(runs.start.between(start, end, inclusive="left")) | (runs.end.between(start, end, inclusive="left"))]
    finished = on_day[on_day.end.between(start, end, inclusive="left") & on_day.status.isin(["SUCCESS", "FAILURE"])]
    job_ids = sorted(set(on_day.job_id.dropna()) | set(delivered_on_day))
    jobs = [health for job_id in job_ids
            if (health := job_health(job_id, runs[runs.job_id == job_id])) is not None]
    frame = pd.DataFrame([j.model_dump() for j in jobs], columns=list(JobHealth.model_fields))
    delivered = frame[frame.delivered.astype(bool)]
    failed = int((finished.status == "FAILURE").sum())
    return ProductionHealth(
        day=day, computed_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"), jobs=jobs,
        runs_finished=len(finished), runs_failed=failed,
        failure_rate=round(failed / len(finished), 4) if len(finished) else 0.0,
        committed_usd=round(float(frame.committed_usd.sum()), 8), daily_limit_usd=daily_limit_usd,
        mean_quality=_mean(delivered.quality_score), mean_wall_clock_sec=_mean(delivered.wall_clock_sec),
        shot_failures=int(frame.shot_failures.sum()))


def _mean(column: pd.Series) -> float | None:
    values = column.dropna()
    return round(float(values.mean()), 4) if len(values) else None
