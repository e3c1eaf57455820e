"""Calibrating the cost model on the ledger, and judging it by a rolling-origin backtest.

The calibrated model keeps the prior (every multiplier stays) and learns, per backend, how real bills depart
from it, in one of the forms of ``costing/forms.py``: from a level and complexity slope up to a fixed cost per
job plus a rate per resolution on the billed seconds. For each backend the forms are compared by a rolling-origin
backtest on its own jobs and the simplest that wins is kept, with the reason. Jobs from before a price step
(a known one in the pricing files, or one found in the residuals) are forgotten. A backend with too few jobs
borrows a level fit over all jobs, and with too few of those the prior stands; the model says which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from aiprod_assets.canonical import digest_of
from aiprod_assets.contracts import BacktestScore, CostModel, PricingTable
from aiprod_assets.costing.forms import (
    FORMS,
    billed_seconds,
    fit_form,
    min_jobs,
    one_step_errors,
    predict_form,
)
from aiprod_assets.costing.price_steps import after_known_steps, detect_step
from aiprod_assets.costing.pricing import api_usd_per_second
from aiprod_assets.costing.prior_model import ComputeProfile, predict_self_hosted

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it

MIN_JOBS_PER_BACKEND = 8  # as many as the level form needs; fewer borrow the fit over all jobs
BACKTEST_MIN_TRAIN = 20
BACKTEST_BLOCK = 5
PRIOR_VERSION_PREFIX = "prior"
# A fuller form must beat a simpler one by more than this many MAPE points to be chosen.
SELECTION_TOLERANCE_PCT = 0.5
MIN_SELECTION_PREDICTIONS = 10


def prior_prediction(row: pd.Series | dict, coefficients: dict[str, Any], pricing: PricingTable) -> float:
    """What the prior said of this job: as recorded at estimate time (it may have priced previz from a
    measured device), else recomputed from the row's features (a billing export)."""
    import pandas as pd

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


def billed_prior(row: pd.Series | dict, prior: float, pricing: PricingTable) -> float:
    """The prior on the seconds the provider bills. A recorded prior already priced them; a recomputed one
    priced the raw duration, so it is re-priced by the backend's billing rule from the pricing file."""
    import pandas as pd

    recorded = row.get("prior_usd")
    price = pricing.backends.get(row["backend"])
    if (recorded is not None and not pd.isna(recorded)) or price is None or price.kind != "api" or not price.billing:
        return prior
    seconds = float(row["duration_sec"])
    return prior * billed_seconds(seconds, price.billing) / seconds


def model_frame(ledger: pd.DataFrame, coefficients: dict[str, Any], pricing: PricingTable) -> pd.DataFrame:
    """The ledger with each job's prior (p) and billed prior (pb), the inputs of every form."""
    frame = ledger.copy()
    priors, billed = [], []
    for _, row in ledger.iterrows():
        priors.append(prior_prediction(row, coefficients, pricing))
        billed.append(billed_prior(row, priors[-1], pricing))
    frame["p"], frame["pb"] = priors, billed
    if "prior_usd" not in frame:
        frame["prior_usd"] = np.nan
    return frame


def _eligible(jobs: int) -> list[str]:
    return [form for form in FORMS if jobs >= min_jobs(form)]


def _select(frame: pd.DataFrame, candidates: list[str]) -> tuple[str, str]:
    """The simplest candidate whose one-step-ahead MAPE is within the tolerance of the best, and why."""
    fitted = [f for f in candidates if f != "prior"]
    start = max((min_jobs(f) for f in fitted), default=0)
    if len(frame) - start < MIN_SELECTION_PREDICTIONS:
        form = "level" if "level" in candidates else "prior"
        return form, f"{len(frame)} job(s): too few to compare forms by backtest, {form} kept"
    scores = {form: float(np.mean(np.abs(one_step_errors(form, frame, start))) * 100) for form in candidates}
    best = min(scores.values())
    chosen = next(form for form in candidates if scores[form] <= best + SELECTION_TOLERANCE_PCT)
    listing = ", ".join(f"{form} {score:.1f}%" for form, score in scores.items())
    return chosen, (f"{chosen}: the simplest form within {SELECTION_TOLERANCE_PCT:g} points of the best one-step-ahead "
                    f"MAPE over {len(frame) - start} job(s) ({listing})")


def _forget_before_step(frame: pd.DataFrame, known: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """(jobs before the latest price step, jobs since, its date): a known step from the pricing files, or one
    the residuals of the fullest form that can be fitted show."""
    since, date = after_known_steps(frame, known, MIN_JOBS_PER_BACKEND)
    widest = _eligible(len(since))[-1]
    if widest != "prior":
        predicted = predict_form(widest, fit_form(widest, since), since)
        found = detect_step(np.log(since["actual_usd"].to_numpy(float) / predicted))
        if found is not None:
            date, since = since["finished_at"].iloc[found].isoformat(), since.iloc[found:]
    return frame.loc[~frame.index.isin(since.index)], since, date


def _fit_across_step(form: str, before: pd.DataFrame, since: pd.DataFrame) -> dict[str, float]:
    """``form`` fitted on the jobs since the step; while they are too few for it, fitted on all jobs and
    scaled to the level the jobs since the step show."""
    import pandas as pd

    if before.empty or len(since) >= min_jobs(form):
        return fit_form(form, since)
    return _scaled_to(since, form, fit_form(form, pd.concat([before, since])))


def _scaled_to(rows: pd.DataFrame, form: str, fitted: dict[str, float]) -> dict[str, float]:
    """``fitted`` scaled to the level ``rows`` show (every form is linear in its coefficients)."""
    shift = float(np.exp(np.mean(np.log(rows["actual_usd"].to_numpy(float) / predict_form(form, fitted, rows)))))
    return {name: value * shift for name, value in fitted.items()}


def _thin_fit(rows: pd.DataFrame, overall: dict[str, float]) -> tuple[str, dict[str, float], str]:
    """A backend with a handful of jobs: the level fit over all jobs scaled to its own, or a one- or two-term
    fit on its own jobs, whichever predicts each of them best from the others (leave one out)."""
    options = {"level": lambda part: _scaled_to(part, "level", overall), "rate": lambda part: fit_form("rate", part)}
    if len(rows) >= 3:
        options["fixed+rate"] = lambda part: fit_form("fixed+rate", part)
    if len(rows) < 2:
        return "level", options["level"](rows), "uses the fit over all jobs, scaled to its own"
    errors = {}
    for form, fit in options.items():
        misses = []
        for i in range(len(rows)):
            held = rows.iloc[[i]]
            predicted = predict_form(form, fit(rows.drop(rows.index[i])), held)[0]
            misses.append(abs(held["actual_usd"].iloc[0] - predicted) / predicted)
        errors[form] = float(np.mean(misses)) * 100
    form = min(errors, key=errors.get)
    listing = ", ".join(f"{f} {e:.1f}%" for f, e in errors.items())
    return form, options[form](rows), f"{form} by leave-one-out error ({listing})"


def fit_cost_model(ledger: pd.DataFrame, coefficients: dict[str, Any], pricing: PricingTable,
                   forms: dict[str, str] | None = None, known_steps: dict[str, list[str]] | None = None) -> CostModel:
    """Per backend: forget jobs before a price step, choose a form by backtest (or take ``forms``), fit it."""
    notes: list[str] = []
    if ledger.empty:
        return CostModel(version=f"{PRIOR_VERSION_PREFIX}-{coefficients['version']}", fitted_on_jobs=0,
                         coefficients={}, notes=["no finished jobs yet: the prior stands"])
    frame = model_frame(ledger, coefficients, pricing)
    fitted: dict[str, dict[str, float]] = {}
    chosen: dict[str, str] = {}
    reasons: dict[str, str] = {}
    steps: dict[str, str] = {}
    overall = fit_form("level", frame) if len(frame) >= MIN_JOBS_PER_BACKEND else None
    for backend, index in frame.groupby("backend").indices.items():
        rows = frame.iloc[np.sort(index)]
        if len(rows) < MIN_JOBS_PER_BACKEND:
            if overall is not None:
                form, fitted[backend], why = _thin_fit(rows, overall)
                chosen[backend], reasons[backend] = form, why
                fitted[backend]["jobs"] = float(len(rows))
                notes.append(f"{backend}: {len(rows)} job(s), fewer than {MIN_JOBS_PER_BACKEND}: {why}")
            else:
                notes.append(f"{backend}: {len(rows)} job(s), too few to calibrate: the prior stands")
            continue
        before, since, step = _forget_before_step(rows, (known_steps or {}).get(backend, []))
        if step:
            steps[backend] = step
            notes.append(f"{backend}: price step at {step}: fitted on the {len(since)} job(s) since")
        candidates = _eligible(len(rows))
        if forms is not None and backend in forms:
            form = forms[backend] if forms[backend] in candidates else candidates[-1]
            reason = f"{form}: as chosen for this model"
        else:
            form, reason = _select(since if len(since) >= MIN_SELECTION_PREDICTIONS else rows, candidates)
        fitted[backend] = {**_fit_across_step(form, before, since), "jobs": float(len(since))}
        chosen[backend], reasons[backend] = form, reason
    if overall is not None:
        fitted["*"] = {**overall, "jobs": float(len(frame))}
        chosen["*"] = "level"
    body = {"prior": coefficients["version"], "pricing": pricing.version, "corrections": fitted, "forms": chosen}
    return CostModel(version=f"calibrated-{digest_of(body)[:12]}", fitted_on_jobs=len(ledger),
                     coefficients=fitted, notes=notes, forms=chosen, form_reasons=reasons, steps=steps)


def _backend_fit(model: CostModel | None, backend: str) -> tuple[str, dict[str, float]]:
    if model is None:
        return "prior", {}
    key = backend if isinstance(model.coefficients.get(backend), dict) else "*"
    fitted = model.coefficients.get(key)
    if not isinstance(fitted, dict):
        return "prior", {}
    return model.forms.get(key, "level"), {k: v for k, v in fitted.items() if k != "jobs"}


def calibrated_usd(model: CostModel | None, backend: str, prior_usd: float, complexity: float,
                   resolution: str) -> float:
    """What the calibrated model predicts for one job of ours: its prior already priced the billed seconds."""
    form, fitted = _backend_fit(model, backend)
    # One job as columns of one value: the forms read columns, and a job's estimate never needs pandas.
    row = {"p": np.array([prior_usd]), "pb": np.array([prior_usd]), "complexity": np.array([complexity]),
           "resolution": np.array([resolution])}
    return float(predict_form(form, fitted, row)[0])


def predict(ledger: pd.DataFrame, model: CostModel | None, coefficients: dict[str, Any],
            pricing: PricingTable) -> np.ndarray:
    frame = model_frame(ledger, coefficients, pricing)
    out = np.empty(len(frame))
    for backend, index in frame.groupby("backend").indices.items():
        form, fitted = _backend_fit(model, backend)
        out[index] = predict_form(form, fitted, frame.iloc[index])
    return out


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
                     min_train: int = BACKTEST_MIN_TRAIN, block: int = BACKTEST_BLOCK,
                     forms: dict[str, str] | None = None, known_steps: dict[str, list[str]] | None = None) -> Backtest:
    """Fit on every job before the origin, predict the next block, move the origin on, in time order.

    ``forms`` (the model's choice per backend) are refitted at each origin rather than chosen again there:
    choosing is itself a backtest, and nesting one in every origin would cost the square of the ledger."""
    import pandas as pd

    if forms is None:
        forms = fit_cost_model(ledger, coefficients, pricing, known_steps=known_steps).forms
    rows = []
    for origin in range(min_train, len(ledger), block):
        model = fit_cost_model(ledger.iloc[:origin], coefficients, pricing, forms=forms, known_steps=known_steps)
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
