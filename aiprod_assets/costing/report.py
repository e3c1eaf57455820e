"""The spend report: by day, backend and job, and how close estimates came to actuals.

Every accuracy figure uses one sign convention, the delivery manifest's variance_pct:
error = (actual - estimate) / estimate, positive when a job cost more than estimated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it


ERROR_DEFINITION = "(actual - estimate) / estimate"


def accuracy_lines(mape_pct: float, bias_pct: float, jobs: int) -> list[str]:
    """MAPE and bias, each explained in one line."""
    direction = "more" if bias_pct > 0 else "less"
    return [f"MAPE {mape_pct:.1f}%: over {jobs} job(s), an actual missed its estimate by {mape_pct:.1f}% on average "
            f"(mean of |{ERROR_DEFINITION}|)",
            f"bias {bias_pct:+.1f}%: jobs cost {abs(bias_pct):.1f}% {direction} than estimated on average "
            f"(mean of {ERROR_DEFINITION}; + = under-estimated, - = over-estimated)"]


def spend_report(ledger: pd.DataFrame, top_jobs: int = 20) -> dict:
    if ledger.empty:
        return {"jobs": 0, "total_usd": 0.0, "by_day": {}, "by_backend": {}, "by_job": {},
                "estimate_accuracy": {"mape_pct": None, "bias_pct": None, "error": ERROR_DEFINITION}}
    actual = ledger["actual_usd"].astype(float)
    days = ledger["finished_at"].dt.strftime("%Y-%m-%d")
    priced = ledger[ledger["estimate_usd"].astype(float) > 0]
    error = (priced["actual_usd"] - priced["estimate_usd"]) / priced["estimate_usd"]
    by_job = ledger.set_index("job_id")["actual_usd"].sort_values(ascending=False).head(top_jobs)
    return {
        "jobs": int(len(ledger)),
        "total_usd": round(float(actual.sum()), 8),
        "by_day": {d: round(float(v), 8) for d, v in actual.groupby(days).sum().items()},
        "by_backend": {b: round(float(v), 8) for b, v in actual.groupby(ledger["backend"]).sum().items()},
        "by_job": {j: round(float(v), 8) for j, v in by_job.items()},
        "estimate_accuracy": {"mape_pct": round(float(error.abs().mean() * 100), 2) if len(error) else None,
                              "bias_pct": round(float(error.mean() * 100), 2) if len(error) else None,
                              "jobs": int(len(error)), "error": ERROR_DEFINITION},
    }
