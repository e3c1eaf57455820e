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


# What real bills look like against the prior, one shape per test; each takes (row, prior, index, jobs).
def _billed(row, prior, pricing):
    rule = pricing.backends[row["backend"]].billing
    from aiprod_assets.costing.forms import billed_seconds

    return prior * billed_seconds(row["duration_sec"], rule) / row["duration_sec"]


SHAPES = {
    "proportional": lambda row, prior, pricing, i, n: prior * {"previz": 1.6, "veo": 0.85, "runway": 1.3}[row["backend"]],
    "fixed_plus_rate": lambda row, prior, pricing, i, n: 2.0 + 1.2 * prior,
    "unit_billing": lambda row, prior, pricing, i, n: (_billed(row, prior, pricing) if row["backend"] != "previz"
                                                       else prior),
    "price_step": lambda row, prior, pricing, i, n: prior * (1.35 if i >= n // 2 else 1.0),
    # The ledger: a fixed cost per job for self-hosted, whole units with a minimum for veo, a +35 %
    # step half-way for runway.
    "mixture": lambda row, prior, pricing, i, n: {
        "previz": lambda: 2.0 + 1.2 * prior,
        "veo": lambda: _billed(row, prior, pricing),
        "runway": lambda: prior * (1.35 if i >= n // 2 else 1.0),
    }[row["backend"]](),
    "exact_prior": lambda row, prior, pricing, i, n: prior,
}


def shaped_ledger(shape, coefficients, pricing, jobs=300, noise=0.04, seed=11):
    """(ledger, noiseless truth per job) with actual = SHAPES[shape] x lognormal noise."""
    rng = np.random.default_rng(seed)
    start = datetime(2026, 6, 1, tzinfo=timezone.utc)
    rows, truth = [], []
    for i in range(jobs):
        backend = BACKENDS[int(rng.integers(0, len(BACKENDS)))]
        row = {"job_id": f"job-{i:04d}", "finished_at": (start + timedelta(hours=6 * i)).isoformat(),
               "complexity": float(rng.uniform(0, 1)), "duration_sec": float(rng.uniform(3, 60)),
               "resolution": str(rng.choice(["720p", "1080p"])), "backend": backend,
               "device": "A100" if backend == "previz" else "api", "quantization": "FP16", "batch_size": 1,
               "gpu_count": 1, "framework": "pytorch", "spot": False, "estimate_usd": 0.0, "actual_usd": 0.0}
        prior = prior_prediction(row, coefficients, pricing)
        expected = SHAPES[shape](row, prior, pricing, i, jobs)
        row["estimate_usd"], row["actual_usd"] = prior, expected * float(rng.lognormal(0, noise))
        rows.append(CostLedgerRow.model_validate(row))
        truth.append((row["job_id"], expected))
    return ledger_frame(rows), dict(truth)
