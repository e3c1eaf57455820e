"""The spend report: by day, backend and job, and how close estimates came to actuals."""

from __future__ import annotations

import pandas as pd


def spend_report(ledger: pd.DataFrame, top_jobs: int = 20) -> dict:
    if ledger.empty:
        return {"jobs": 0, "total_usd": 0.0, "by_day": {}, "by_backend": {}, "by_job": {},
                "estimate_accuracy": {"mape_pct": None, "bias_pct": None}}
    actual = ledger["actual_usd"].astype(float)
    days = ledger["finished_at"].dt.strftime("%Y-%m-%d")
    priced = ledger[actual > 0]
    error = (priced["estimate_usd"] - priced["actual_usd"]) / priced["actual_usd"]
    by_job = ledger.set_index("job_id")["actual_usd"].sort_values(ascending=False).head(top_jobs)
    return {
        "jobs": int(len(ledger)),
        "total_usd": round(float(actual.sum()), 6),
        "by_day": {d: round(float(v), 6) for d, v in actual.groupby(days).sum().items()},
        "by_backend": {b: round(float(v), 6) for b, v in actual.groupby(ledger["backend"]).sum().items()},
        "by_job": {j: round(float(v), 6) for j, v in by_job.items()},
        "estimate_accuracy": {"mape_pct": round(float(error.abs().mean() * 100), 2) if len(error) else None,
                              "bias_pct": round(float(error.mean() * 100), 2) if len(error) else None},
    }
