"""Ledgers from a known ground-truth cost function, for the calibration tests."""

from datetime import datetime, timedelta, timezone

import numpy as np

from aiprod_assets.contracts import CostLedgerRow
from aiprod_assets.costing.calibration import prior_prediction
from aiprod_assets.costing.ledger import ledger_frame

BACKENDS = ("previz", "veo", "runway")
# What jobs really cost against the prior: per backend a level and a complexity slope.
TRUTH = {"previz": (1.6, 0.8), "veo": (0.85, 0.1), "runway": (1.3, -0.4)}
PRICE_CHANGE = 1.35


def truth_ledger(coefficients, pricing, jobs=300, noise=0.03, seed=7, price_change_at=0.5):
    rng = np.random.default_rng(seed)
    start = datetime(2026, 6, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(jobs):
        backend = BACKENDS[int(rng.integers(0, len(BACKENDS)))]
        row = {"job_id": f"job-{i:04d}", "finished_at": (start + timedelta(hours=6 * i)).isoformat(),
               "complexity": float(rng.uniform(0, 1)), "duration_sec": float(rng.uniform(5, 120)),
               "resolution": str(rng.choice(["720p", "1080p"])), "backend": backend,
               "device": "A100" if backend == "previz" else "api", "quantization": str(rng.choice(["Q8", "FP16"])),
               "batch_size": int(rng.choice([1, 4])), "gpu_count": int(rng.choice([1, 2])), "framework": "pytorch",
               "spot": bool(rng.random() < 0.3), "estimate_usd": 0.0, "actual_usd": 0.0}
        level, slope = TRUTH[backend]
        factor = PRICE_CHANGE if i >= jobs * price_change_at else 1.0
        prior = prior_prediction(row, coefficients, pricing)
        row["estimate_usd"] = prior
        row["actual_usd"] = prior * (level + slope * row["complexity"]) * factor * float(rng.lognormal(0, noise))
        rows.append(CostLedgerRow.model_validate(row))
    return ledger_frame(rows)
