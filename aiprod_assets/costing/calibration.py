"""Calibrating the cost model on the ledger, and judging it by a rolling-origin backtest.

The calibrated model keeps the prior's structure (every multiplier stays) and learns, per
backend, a correction actual / prior = c0 + c1 x complexity. The fit is a Huber regression
(outliers lose their pull) weighted towards recent jobs (a half-life counted in jobs), so a
price change is picked up after a few dozen jobs. A backend with too few jobs borrows the
fit over all jobs, and with too few of those the prior stands; the model says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aiprod_assets.canonical import digest_of
from aiprod_assets.contracts import BacktestScore, CostModel, PricingTable
from aiprod_assets.costing.pricing import api_usd_per_second
from aiprod_assets.costing.prior_model import ComputeProfile, predict_self_hosted

MIN_JOBS_PER_BACKEND = 4
HALF_LIFE_JOBS = 5.0
HUBER_DELTA = 0.05
BACKTEST_MIN_TRAIN = 20
BACKTEST_BLOCK = 5
PRIOR_VERSION_PREFIX = "prior"


def prior_prediction(row: pd.Series | dict, coefficients: dict[str, Any], pricing: PricingTable) -> float:
    """What the prior said of this job: as recorded at estimate time (it may have priced previz from a
    measured device), else recomputed from the row's features (a billing export)."""
    recorded = row.get("prior_usd")
    if recorded is not None and not pd.isna(recorded):
        return float(recorded)
    backend = row["backend"]
    price = pricing.backends.get(backend)
    if price is not None and price.kind == "api":
        return float(row["duration_sec"]) * api_usd_per_second(pricing, backend, row["resolution"])
    gpu = row["device"] if row["device"] in pricing.gpus else "CPU"
    compute = ComputeProfile(gpu_model=gpu, quantization=row["quantization"], batch_size=int(row["batch_size"]),
                             gpu_count=int(row["gpu_count"]), framework=row["framework"], spot=bool(row["spot"]))
    return predict_self_hosted(coefficients, pricing, float(row["complexity"]), float(row["duration_sec"]),
                               row["resolution"], compute).usd


def _huber_fit(x: np.ndarray, y: np.ndarray, weights: np.ndarray, iterations: int = 30) -> tuple[float, float]:
    """Weighted Huber regression of y on [1, x] by iteratively reweighted least squares."""
    design = np.column_stack([np.ones_like(x), x])
    robust = np.ones_like(y)
    beta = np.array([1.0, 0.0])
    for _ in range(iterations):
        w = weights * robust
        gram = design.T @ (design * w[:, None]) + 1e-9 * np.eye(2)
        beta = np.linalg.solve(gram, design.T @ (w * y))
        residual = np.abs(y - design @ beta)
        robust = np.where(residual <= HUBER_DELTA, 1.0, HUBER_DELTA / np.maximum(residual, 1e-12))
    if np.ptp(x) < 1e-6:  # no spread in complexity: only the level can be learnt
        beta = np.array([float(np.average(y, weights=weights * robust)), 0.0])
    return float(beta[0]), float(beta[1])


def _recency_weights(count: int) -> np.ndarray:
    age = np.arange(count)[::-1]
    return 0.5 ** (age / HALF_LIFE_JOBS)


def fit_cost_model(ledger: pd.DataFrame, coefficients: dict[str, Any], pricing: PricingTable) -> CostModel:
    notes: list[str] = []
    corrections: dict[str, dict[str, float]] = {}
    if ledger.empty:
        return CostModel(version=f"{PRIOR_VERSION_PREFIX}-{coefficients['version']}", fitted_on_jobs=0,
                         coefficients={}, notes=["no finished jobs yet: the prior stands"])
    prior = np.array([prior_prediction(r, coefficients, pricing) for _, r in ledger.iterrows()])
    ratio = ledger["actual_usd"].to_numpy(float) / np.maximum(prior, 1e-12)
    complexity = ledger["complexity"].to_numpy(float)
    overall = None
    if len(ledger) >= MIN_JOBS_PER_BACKEND:
        overall = _huber_fit(complexity, ratio, _recency_weights(len(ledger)))
    for backend, index in ledger.groupby("backend").indices.items():
        if len(index) >= MIN_JOBS_PER_BACKEND:
            c0, c1 = _huber_fit(complexity[index], ratio[index], _recency_weights(len(index)))
            corrections[backend] = {"c0": c0, "c1": c1, "jobs": float(len(index))}
        elif overall is not None:
            corrections[backend] = {"c0": overall[0], "c1": overall[1], "jobs": float(len(index))}
            notes.append(f"{backend}: {len(index)} job(s), fewer than {MIN_JOBS_PER_BACKEND}: uses the fit over all jobs")
        else:
            notes.append(f"{backend}: {len(index)} job(s), too few to calibrate: the prior stands")
    if overall is not None:
        corrections["*"] = {"c0": overall[0], "c1": overall[1], "jobs": float(len(ledger))}
    body = {"prior": coefficients["version"], "pricing": pricing.version, "corrections": corrections}
    return CostModel(version=f"calibrated-{digest_of(body)[:12]}", fitted_on_jobs=len(ledger),
                     coefficients=corrections, notes=notes)


def correction(model: CostModel | None, backend: str, complexity: float) -> float:
    """The factor the calibrated model applies to the prior for this backend (1.0 without one)."""
    if model is None:
        return 1.0
    fitted = model.coefficients.get(backend) or model.coefficients.get("*")
    if not isinstance(fitted, dict):
        return 1.0
    return max(0.01, fitted["c0"] + fitted["c1"] * complexity)


def predict(ledger: pd.DataFrame, model: CostModel | None, coefficients: dict[str, Any],
            pricing: PricingTable) -> np.ndarray:
    return np.array([prior_prediction(r, coefficients, pricing) * correction(model, r["backend"], r["complexity"])
                     for _, r in ledger.iterrows()])


@dataclass
class Backtest:
    frame: pd.DataFrame  # finished_at, backend, actual, calibrated, prior
    calibrated: list[BacktestScore]
    prior: list[BacktestScore]

    @property
    def calibrated_mape(self) -> float:
        return next((s.mape for s in self.calibrated if s.scope == "all"), float("inf"))


def _scores(frame: pd.DataFrame, column: str) -> list[BacktestScore]:
    """MAPE, bias and p90 of the error (actual - estimate) / estimate, the sign used everywhere: positive
    when jobs cost more than estimated."""
    scores = []
    for scope, part in [("all", frame), *frame.groupby("backend")]:
        error = (part["actual"] - part[column]) / part[column]
        ape = error.abs()
        scores.append(BacktestScore(scope=str(scope), jobs=len(part), mape=round(float(ape.mean()) * 100, 3),
                                    bias=round(float(error.mean()) * 100, 3),
                                    p90_ape=round(float(ape.quantile(0.9)) * 100, 3)))
    return scores


def residual_intervals(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per backend and over all ("*"): p10 and p90 of actual / calibrated estimate in the backtest."""
    intervals = {}
    for scope, part in [("*", frame), *frame.groupby("backend")]:
        ratio = part["actual"] / part["calibrated"]
        intervals[str(scope)] = {"p10": round(float(ratio.quantile(0.1)), 4),
                                 "p90": round(float(ratio.quantile(0.9)), 4), "jobs": float(len(part))}
    return intervals


def rolling_backtest(ledger: pd.DataFrame, coefficients: dict[str, Any], pricing: PricingTable,
                     min_train: int = BACKTEST_MIN_TRAIN, block: int = BACKTEST_BLOCK) -> Backtest:
    """Fit on every job before the origin, predict the next block, move the origin on, in time order."""
    rows = []
    for origin in range(min_train, len(ledger), block):
        model = fit_cost_model(ledger.iloc[:origin], coefficients, pricing)
        ahead = ledger.iloc[origin:origin + block]
        calibrated = predict(ahead, model, coefficients, pricing)
        prior = predict(ahead, None, coefficients, pricing)
        for (_, row), c, p in zip(ahead.iterrows(), calibrated, prior):
            rows.append({"job_id": row["job_id"], "finished_at": row["finished_at"], "backend": row["backend"],
                         "actual": row["actual_usd"], "calibrated": c, "prior": p})
    frame = pd.DataFrame(rows, columns=["job_id", "finished_at", "backend", "actual", "calibrated", "prior"])
    if frame.empty:
        return Backtest(frame=frame, calibrated=[], prior=[])
    frame = frame[(frame["actual"] > 0) & (frame["calibrated"] > 0) & (frame["prior"] > 0)]
    return Backtest(frame=frame, calibrated=_scores(frame, "calibrated"), prior=_scores(frame, "prior"))
