"""Cost governance assets (unpartitioned): prices, the ledger, the calibrated model and its backtest."""

import base64

import dagster as dg
import pandas as pd

from aiprod_assets.contracts import CostModel, CostModelBacktest, PricingTable
from aiprod_assets.costing.backtest_plot import backtest_png
from aiprod_assets.costing.calibration import fit_cost_model, predict, rolling_backtest
from aiprod_assets.costing.job_rows import build_ledger
from aiprod_assets.costing.pricing import STORED_PRICING_KEY, load_pricing, price_changes
from aiprod_assets.costing.prior_model import load_coefficients
from aiprod_assets.costing.promotion import load_promoted, promote
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy

BACKTEST_CHECK = "mape_within_limit"


@dg.asset(group_name="costing", kinds={"json"})
def pricing_table(context: dg.AssetExecutionContext, store: ArtifactStore, policy: ProductionPolicy):
    """Per-backend prices (per second of output, by resolution) and per-GPU hourly rates, each with source and date."""
    previous = (PricingTable.model_validate_json(store.get_bytes(STORED_PRICING_KEY))
                if store.exists(STORED_PRICING_KEY) else None)
    table = load_pricing(policy.pricing_file)
    changes = price_changes(previous, table)
    for change in changes:
        context.log.info(change)
    return dg.Output(table, metadata={"version": table.version, "effective_date": table.effective_date,
                                      "changes": dg.MetadataValue.md("\n".join(f"- {c}" for c in changes) or "none"),
                                      "prices_changed": float(len(changes) if previous else 0)})


@dg.asset(group_name="costing", kinds={"pandas"}, io_manager_key="ledger_io_manager")
def cost_ledger(store: ArtifactStore) -> dg.Output[pd.DataFrame]:
    """One row per finished job: the estimate's features, the estimate and the actual, plus imported billing exports."""
    frame, own_jobs, imported_files = build_ledger(store)
    return dg.Output(frame, metadata={"jobs": float(len(frame)), "own_jobs": float(own_jobs),
                                      "imported_files": float(imported_files),
                                      "actual_usd": float(frame["actual_usd"].sum()) if len(frame) else 0.0})


@dg.asset(group_name="costing", kinds={"json"})
def cost_model(context: dg.AssetExecutionContext, cost_ledger: pd.DataFrame, pricing_table: PricingTable):
    """Per-backend corrections of the prior fitted on the ledger (robust, recent jobs first); notes where data are thin."""
    model = fit_cost_model(cost_ledger, load_coefficients(), pricing_table)
    for note in model.notes:
        context.log.info(note)
    return dg.Output(model, metadata={"version": model.version, "fitted_on_jobs": float(model.fitted_on_jobs),
                                      "backends_calibrated": float(len([k for k in model.coefficients if k != "*"]))})


@dg.asset(group_name="costing", kinds={"json"},
          check_specs=[dg.AssetCheckSpec(BACKTEST_CHECK, asset="cost_model_backtest",
                                         description="Backtest MAPE within the configured limit; warns on too few jobs.")])
def cost_model_backtest(context: dg.AssetExecutionContext, cost_ledger: pd.DataFrame, cost_model: CostModel,
                        pricing_table: PricingTable, store: ArtifactStore, policy: ProductionPolicy):
    """Rolling-origin backtest in time order of the calibrated model and of the prior: MAPE, bias, p90 per backend."""
    coefficients = load_coefficients()
    backtest = rolling_backtest(cost_ledger, coefficients, pricing_table)
    current = load_promoted(store)
    candidate_mape = backtest.calibrated_mape
    if backtest.frame.empty:
        promoted, reason = False, "no jobs to backtest: nothing promoted"
    elif current is None:
        promoted, reason = True, f"first calibrated model (backtest MAPE {candidate_mape:.2f}%)"
    else:
        # Judge both on the jobs that came after the current model was fitted: out of sample for it,
        # and predicted by the candidate's procedure from the past only.
        fresh = cost_ledger.iloc[current.fitted_on_jobs:]
        fresh = fresh[fresh["job_id"].isin(set(backtest.frame["job_id"]))]
        if fresh.empty:
            promoted, reason = False, f"no new jobs since {current.version} was fitted: kept it"
        else:
            actual = fresh["actual_usd"].to_numpy(float)
            current_mape = float((abs(predict(fresh, current, coefficients, pricing_table) - actual) / actual).mean() * 100)
            candidate = backtest.frame.set_index("job_id").loc[fresh["job_id"], "calibrated"].to_numpy(float)
            fresh_mape = float((abs(candidate - actual) / actual).mean() * 100)
            promoted = fresh_mape < current_mape
            reason = (f"on {len(fresh)} new job(s): backtest MAPE {fresh_mape:.2f}% against {current.version}'s "
                      f"{current_mape:.2f}%: " + ("promoted" if promoted else "kept the current model"))
    if promoted:
        promote(store, cost_model)
    context.log.info(reason)
    promoted_version = cost_model.version if promoted else (current.version if current else "")
    value = CostModelBacktest(model_version=cost_model.version, calibrated=backtest.calibrated, prior=backtest.prior,
                              promoted=promoted, promoted_version=promoted_version, reason=reason)
    metadata = {"reason": reason, "promoted": promoted, "jobs_backtested": float(len(backtest.frame))}
    for label, scores in (("calibrated", backtest.calibrated), ("prior", backtest.prior)):
        for score in scores:
            metadata[f"{label}_{score.scope}_mape"] = score.mape
    if not backtest.frame.empty:
        png = backtest_png(backtest.frame, f"cost model {cost_model.version}")
        store.put_bytes("cost/backtest.png", png)
        metadata["plot"] = dg.MetadataValue.md(f"![backtest](data:image/png;base64,{base64.b64encode(png).decode()})")
    yield dg.Output(value, metadata=metadata)
    jobs = len(backtest.frame)
    if jobs < policy.backtest_min_jobs:
        yield dg.AssetCheckResult(check_name=BACKTEST_CHECK, passed=False, severity=dg.AssetCheckSeverity.WARN,
                                  description=f"only {jobs} backtested job(s); at least {policy.backtest_min_jobs} "
                                              "are needed to judge the model")
    else:
        yield dg.AssetCheckResult(
            check_name=BACKTEST_CHECK, passed=candidate_mape <= policy.backtest_mape_limit_pct,
            description=f"MAPE {candidate_mape:.2f}% (limit {policy.backtest_mape_limit_pct:g}%) over {jobs} jobs",
            metadata={"mape": candidate_mape})


pricing_refresh_job = dg.define_asset_job("pricing_refresh", selection=["pricing_table"],
                                          description="Reload prices and record what changed.")
recalibration_job = dg.define_asset_job(
    "recalibration", selection=["pricing_table", "cost_ledger", "cost_model", "cost_model_backtest"],
    description="Ledger, model fit and backtest; promotes a model that beats the current one.")
pricing_refresh_schedule = dg.ScheduleDefinition(job=pricing_refresh_job, cron_schedule="0 5 * * *",
                                                 name="daily_pricing_refresh", execution_timezone="UTC")
recalibration_schedule = dg.ScheduleDefinition(job=recalibration_job, cron_schedule="0 6 * * *",
                                               name="daily_recalibration", execution_timezone="UTC")
