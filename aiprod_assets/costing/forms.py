"""The shapes a calibrated cost model may take for one backend, and how each is fitted.

Every form predicts a job's actual cost from its prior estimate ``p`` (what the prior said), its billed prior
``pb`` (the prior re-priced on the seconds the provider bills: whole units, a per-job minimum, from the pricing
file), its complexity ``c`` and its resolution. From simplest to fullest:

- ``prior``: p, nothing learnt.
- ``rate``: r pb, one rate on the billed seconds.
- ``level``: p x (c0 + c1 c), the level and complexity slope of the first calibration.
- ``fixed+rate``: a + r pb: a fixed cost per job (cold start, model load, queueing, a minimum charge) and a rate.
- ``fixed+rate+complexity``: a + pb (r + s c).
- ``full``: a + p (r_res + s c) + u (pb - p): a rate per resolution on the prior, and what the billing units
  add priced on its own, so both a bill that follows the units and one that does not are in reach.

Fits minimise relative error (rows weighted by 1/p^2, so a big job does not outvote a small one), robustly
(Huber on the relative residual) and with recent jobs weighted up; fixed costs and rates are never negative.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from aiprod_assets.contracts import BillingRule

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it

RESOLUTIONS = ("1080p", "720p", "360p")
HUBER_DELTA = 0.05
HALF_LIFE_JOBS = 40.0
MIN_JOBS_PER_PARAMETER = 4
PREDICTION_FLOOR = 0.01  # of the prior: a fitted form never predicts a job as free


def billed_seconds(duration_sec: float, rule: BillingRule | None) -> float:
    """Seconds a provider bills for ``duration_sec`` of output: whole units, never under the minimum."""
    if rule is None:
        return duration_sec
    units = math.ceil(duration_sec / rule.unit_sec - 1e-9) * rule.unit_sec
    return max(rule.minimum_sec, units)


def _design(form: str, p: np.ndarray, pb: np.ndarray, c: np.ndarray, res: np.ndarray) -> tuple[np.ndarray, list[str]]:
    if form == "rate":
        return pb[:, None], ["rate"]
    if form == "level":
        return np.column_stack([p, p * c]), ["c0", "c1"]
    if form == "fixed+rate":
        return np.column_stack([np.ones_like(p), pb]), ["fixed", "rate"]
    if form == "fixed+rate+complexity":
        return np.column_stack([np.ones_like(p), pb, pb * c]), ["fixed", "rate", "complexity"]
    if form == "full":
        columns = [np.ones_like(p)] + [p * (res == r) for r in RESOLUTIONS] + [pb - p, p * c]
        return np.column_stack(columns), ["fixed", *(f"rate_{r}" for r in RESOLUTIONS), "units", "complexity"]
    raise KeyError(f"unknown cost model form {form!r}")


FORMS = ("prior", "rate", "level", "fixed+rate", "fixed+rate+complexity", "full")
PARAMETERS = {"prior": 0, "rate": 1, "level": 2, "fixed+rate": 2, "fixed+rate+complexity": 3, "full": 6}
# Complexity slopes may fall as well as rise; fixed costs and rates may not be negative.
_FREE = {"c1", "complexity"}


def min_jobs(form: str) -> int:
    return PARAMETERS[form] * MIN_JOBS_PER_PARAMETER


def recency_weights(count: int, half_life: float = HALF_LIFE_JOBS) -> np.ndarray:
    age = np.arange(count)[::-1]
    return 0.5 ** (age / half_life)


def fit_form(form: str, frame: pd.DataFrame) -> dict[str, float]:
    """Coefficients of ``form`` fitted on ``frame`` (columns p, pb, complexity, resolution, actual_usd)."""
    from scipy.optimize import (
        lsq_linear,  # here: importing scipy costs every process's start a second
    )

    if form == "prior":
        return {}
    p, pb, c, res, y = _columns(frame)
    design, names = _design(form, p, pb, c, res)
    lower = np.array([-np.inf if n in _FREE else 0.0 for n in names])
    base = recency_weights(len(y)) / np.maximum(p, 1e-12) ** 2
    robust = np.ones_like(y)
    beta = np.zeros(len(names))
    for _ in range(12):
        root = np.sqrt(base * robust)
        solved = lsq_linear(design * root[:, None], y * root, bounds=(lower, np.inf), method="bvls")
        beta = solved.x
        relative = np.abs(y - design @ beta) / np.maximum(p, 1e-12)
        robust = np.where(relative <= HUBER_DELTA, 1.0, HUBER_DELTA / np.maximum(relative, 1e-12))
    return {name: float(value) for name, value in zip(names, beta)}


def predict_form(form: str, coefficients: dict[str, float], frame: pd.DataFrame | Mapping[str, np.ndarray]
                 ) -> np.ndarray:
    p, pb, c, res, _ = _columns(frame, with_actual=False)
    if form == "prior" or not coefficients:
        return p
    design, names = _design(form, p, pb, c, res)
    beta = np.array([coefficients.get(name, 0.0) for name in names])
    return np.maximum(design @ beta, PREDICTION_FLOOR * p)


def _columns(frame: pd.DataFrame | Mapping[str, np.ndarray], with_actual: bool = True):
    """The columns a form reads, from a ledger frame or a mapping of column arrays (one job's estimate)."""
    y = np.asarray(frame["actual_usd"], float) if with_actual else None
    return (np.asarray(frame["p"], float), np.asarray(frame["pb"], float), np.asarray(frame["complexity"], float),
            np.asarray(frame["resolution"], str), y)


def one_step_errors(form: str, frame: pd.DataFrame, start: int, block: int = 5) -> np.ndarray:
    """Relative errors (actual - predicted) / predicted of ``form`` refitted on every job before each block."""
    errors = []
    for origin in range(start, len(frame), block):
        ahead = frame.iloc[origin:origin + block]
        predicted = predict_form(form, fit_form(form, frame.iloc[:origin]), ahead)
        errors.extend((ahead["actual_usd"].to_numpy(float) - predicted) / predicted)
    return np.array(errors)
