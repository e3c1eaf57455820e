"""Cost governance assets (unpartitioned): prices, the ledger, the calibrated model and its backtest."""

import base64

import dagster as dg

from aiprod_assets.contracts import CostModel, CostModelBacktest, PricingTable
from aiprod_assets.costing.backtest_plot import backtest_png
from aiprod_assets.costing.calibration import (
    fit_cost_model,
    residual_intervals,
    rolling_backtest,
)
from aiprod_assets.costing.job_rows import build_ledger
from aiprod_assets.costing.price_steps import known_steps
from aiprod_assets.costing.pricing import load_pricing, price_changes, pricing_history
from aiprod_assets.costing.prior_model import load_coefficients
from aiprod_assets.costing.promotion import decide_promotion, load_promoted, promote
from aiprod_assets.layout import BACKTEST_PLOT_KEY, STORED_PRICING_KEY
from aiprod_assets.metadata_values import readable_metadata
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy

BACKTEST_CHECK = "mape_within_limit"


def _is_data_frame(_context, value) -> bool:
    import pandas as pd

    return isinstance(value, pd.DataFrame)


# The ledger's type, checked without importing pandas as the code location loads: every job loads it, and
# none reads the ledger (pandas' import is half a second of each `aiprod run`).
CostLedgerFrame = dg.DagsterType(name="CostLedgerFrame", type_check_fn=_is_data_frame,
                                 description="The cost ledger: a pandas DataFrame, one row per finished job.")


@dg.asset(group_name="costing", kinds={"json"})
def pricing_table(context: dg.AssetExecutionContext, store: ArtifactStore, policy: ProductionPolicy):
    """Per-backend prices (per second of output, by resolution) and per-GPU hourly rates, each with source and date."""
    previous = (PricingTable.model_validate_json(store.get_bytes(STORED_PRICING_KEY))
                if store.exists(STORED_PRICING_KEY) else None)
    table = load_pricing(policy.pricing_file)
    changes = price_changes(previous, table)
    for change in changes:
        context.log.info(change)
    return dg.Output(table, metadata=readable_metadata({"version": table.version, "effective_date": table.effective_date,
                                      "changes": dg.MetadataValue.md("\n".join(f"- {c}" for c in changes) or "none"),
                                      "prices_changed": float(len(changes) if previous else 0)}))


@dg.asset(group_name="costing", kinds={"pandas"}, io_manager_key="ledger_io_manager",
          dagster_type=CostLedgerFrame)
def cost_ledger(context: dg.AssetExecutionContext, store: ArtifactStore) -> dg.Output:
    """One row per finished job: the estimate's features, the estimate and the actual, plus imported billing exports."""
    frame, own_jobs, imported_files = build_ledger(store, on_skip=context.log.warning)
    return dg.Output(frame, metadata=readable_metadata({"jobs": float(len(frame)), "own_jobs": float(own_jobs),
                                      "imported_files": float(imported_files),
                                      "actual_usd": float(frame["actual_usd"].sum()) if len(frame) else 0.0}))


@dg.asset(group_name="costing", kinds={"json"})
def cost_model(context: dg.AssetExecutionContext, cost_ledger: CostLedgerFrame, pricing_table: PricingTable):
    """Per backend, the form of correction of the prior that wins a backtest (fixed cost per job, rate on billed
    seconds, resolution and complexity), fitted robustly after the last price step; notes where data are thin."""
    model = fit_cost_model(cost_ledger, load_coefficients(), pricing_table, known_steps=known_steps(pricing_history()))
    for note in [*model.notes, *(f"{b}: {r}" for b, r in model.form_reasons.items())]:
        context.log.info(note)
    metadata = {"version": model.version, "fitted_on_jobs": float(model.fitted_on_jobs),
                "backends_calibrated": float(len([k for k in model.coefficients if k != "*"])),
                "forms": dg.MetadataValue.md("\n".join(f"- **{b}**: {model.form_reasons.get(b, form)}"
                                                       for b, form in model.forms.items()) or "none")}
    metadata.update({f"form_{b}": form for b, form in model.forms.items() if b != "*"})
    metadata.update({f"price_step_{b}": date for b, date in model.steps.items()})
    return dg.Output(model, metadata=readable_metadata(metadata))


@dg.asset(group_name="costing", kinds={"json"},
          check_specs=[dg.AssetCheckSpec(BACKTEST_CHECK, asset="cost_model_backtest",
                                         description="Backtest MAPE within the configured limit; warns on too few jobs.")])
def cost_model_backtest(context: dg.AssetExecutionContext, cost_ledger: CostLedgerFrame, cost_model: CostModel,
                        pricing_table: PricingTable, store: ArtifactStore, policy: ProductionPolicy):
    """Rolling-origin backtest in time order of the calibrated model and of the prior: MAPE, bias, p90 per backend."""
    coefficients = load_coefficients()
    backtest = rolling_backtest(cost_ledger, coefficients, pricing_table, forms=cost_model.forms,
                                known_steps=known_steps(pricing_history()))
    decision = decide_promotion(cost_model, backtest, cost_ledger, load_promoted(store), coefficients, pricing_table)
    if decision.promoted:
        # The promoted model carries its backtest's spread: every later estimate's p10-p90 comes from it.
        promote(store, cost_model.model_copy(update={"intervals": residual_intervals(backtest.frame)}))
    context.log.info(decision.reason)
    value = CostModelBacktest(model_version=cost_model.version, calibrated=backtest.calibrated, prior=backtest.prior,
                              promoted=decision.promoted, promoted_version=decision.promoted_version,
                              reason=decision.reason)
    metadata = {"reason": decision.reason, "promoted": decision.promoted, "jobs_backtested": float(len(backtest.frame))}
    for label, scores in (("calibrated", backtest.calibrated), ("prior", backtest.prior)):
        for score in scores:
            metadata[f"{label}_{score.scope}_mape"] = score.mape
    if not backtest.frame.empty:
        png = backtest_png(backtest.frame, f"cost model {cost_model.version}", residual_intervals(backtest.frame))
        store.put_bytes(BACKTEST_PLOT_KEY, png)
        metadata["plot"] = dg.MetadataValue.md(f"![backtest](data:image/png;base64,{base64.b64encode(png).decode()})")
    yield dg.Output(value, metadata=readable_metadata(metadata))
    jobs = len(backtest.frame)
    if jobs < policy.backtest_min_jobs:
        yield dg.AssetCheckResult(check_name=BACKTEST_CHECK, passed=False, severity=dg.AssetCheckSeverity.WARN,
                                  description=f"only {jobs} backtested job(s); at least {policy.backtest_min_jobs} "
                                              "are needed to judge the model")
    else:
        yield dg.AssetCheckResult(
            check_name=BACKTEST_CHECK, passed=backtest.calibrated_mape <= policy.backtest_mape_limit_pct,
            description=f"MAPE {backtest.calibrated_mape:.2f}% (limit {policy.backtest_mape_limit_pct:g}%) over {jobs} jobs",
            metadata={"mape": backtest.calibrated_mape})


# A deployment's queue lets one governance run at a time (deploy/dagster.yaml's tag limit).
GOVERNANCE_TAGS = {"aiprod/kind": "governance"}
pricing_refresh_job = dg.define_asset_job("pricing_refresh", selection=["pricing_table"], tags=GOVERNANCE_TAGS,
                                          description="Reload prices and record what changed.")
recalibration_job = dg.define_asset_job(
    "recalibration", selection=["pricing_table", "cost_ledger", "cost_model", "cost_model_backtest"],
    tags=GOVERNANCE_TAGS, description="Ledger, model fit and backtest; promotes a model that beats the current one.")
pricing_refresh_schedule = dg.ScheduleDefinition(job=pricing_refresh_job, cron_schedule="0 5 * * *",
                                                 name="daily_pricing_refresh", execution_timezone="UTC")
recalibration_schedule = dg.ScheduleDefinition(job=recalibration_job, cron_schedule="0 6 * * *",
                                               name="daily_recalibration", execution_timezone="UTC")
