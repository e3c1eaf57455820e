"""Which calibrated cost model estimates use: the promoted one, kept at cost/models/promoted.json.

A candidate is promoted only when it beats the current model on the jobs that came after
the current one was fitted: out of sample for the current model, and predicted by the
candidate's procedure from the past only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import CostModel, PricingTable
from aiprod_assets.costing.calibration import Backtest, predict
from aiprod_assets.layout import PROMOTED_MODEL_KEY, Store, cost_model_key

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it


@dataclass(frozen=True)
class Promotion:
    promoted: bool
    reason: str
    promoted_version: str  # the model estimates use after this decision ("" while there is none)


def load_promoted(store: Store) -> CostModel | None:
    if not store.exists(PROMOTED_MODEL_KEY):
        return None
    return CostModel.model_validate_json(store.get_bytes(PROMOTED_MODEL_KEY))


def promote(store: Store, model: CostModel) -> None:
    store.put_bytes(cost_model_key(model.version), pretty_json(model).encode())
    store.put_bytes(PROMOTED_MODEL_KEY, pretty_json(model).encode())


def _mape(predicted, actual) -> float:
    """Mean |actual - estimate| / estimate, in percent: the convention of every accuracy figure."""
    return float((abs(actual - predicted) / predicted).mean() * 100)


def decide_promotion(candidate: CostModel, backtest: Backtest, ledger: pd.DataFrame, current: CostModel | None,
                     coefficients: dict[str, Any], pricing: PricingTable) -> Promotion:
    if backtest.frame.empty:
        promoted, reason = False, "no jobs to backtest: nothing promoted"
    elif current is None:
        promoted, reason = True, f"first calibrated model (backtest MAPE {backtest.calibrated_mape:.2f}%)"
    else:
        fresh = ledger.iloc[current.fitted_on_jobs:]
        fresh = fresh[fresh["job_id"].isin(set(backtest.frame["job_id"]))]
        if fresh.empty:
            promoted, reason = False, f"no new jobs since {current.version} was fitted: kept it"
        else:
            actual = fresh["actual_usd"].to_numpy(float)
            current_mape = _mape(predict(fresh, current, coefficients, pricing), actual)
            fresh_mape = _mape(backtest.frame.set_index("job_id").loc[fresh["job_id"], "calibrated"].to_numpy(float),
                               actual)
            promoted = fresh_mape < current_mape
            reason = (f"on {len(fresh)} new job(s): backtest MAPE {fresh_mape:.2f}% against {current.version}'s "
                      f"{current_mape:.2f}%: " + ("promoted" if promoted else "kept the current model"))
    version = candidate.version if promoted else (current.version if current else "")
    return Promotion(promoted=promoted, reason=reason, promoted_version=version)
