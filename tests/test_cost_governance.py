"""Cost governance: billing imports, calibration against a known truth, the backtest, promotion, schedules."""

import json

import dagster as dg
import pandas as pd
import pytest

from aiprod_assets.costing.calibration import fit_cost_model, predict, rolling_backtest
from aiprod_assets.costing.ledger import (
    LEDGER_COLUMNS,
    LedgerImportError,
    frame_to_csv,
    parse_billing_export,
)
from aiprod_assets.costing.pricing import load_pricing
from aiprod_assets.costing.prior_model import load_coefficients
from aiprod_assets.costing.promotion import load_promoted
from aiprod_assets.definitions import build_definitions
from resources.policy import ProductionPolicy
from tests.support.ledger_factory import PRICE_CHANGE, truth_ledger

COEFFICIENTS, PRICING = load_coefficients(), load_pricing()


@pytest.fixture(scope="module")
def ledger():
    return truth_ledger(COEFFICIENTS, PRICING, jobs=300)


def mape(predicted, actual):
    return float((abs(actual - predicted) / predicted).mean() * 100)


def test_calibrated_backtest_beats_the_prior_by_far(ledger):
    backtest = rolling_backtest(ledger, COEFFICIENTS, PRICING)
    calibrated = {s.scope: s for s in backtest.calibrated}
    prior = {s.scope: s for s in backtest.prior}
    # 3 % noise, and a 35 % price change half-way that the rolling fit has to catch up with.
    assert calibrated["all"].mape < 6 and prior["all"].mape > 20
    assert set(calibrated) == {"all", "previz", "veo", "runway"}
    assert all(s.p90_ape >= s.mape * 0.5 for s in backtest.calibrated)
    assert calibrated["all"].jobs == len(ledger) - 20


def test_the_price_change_is_picked_up_after_recalibration(ledger):
    half = len(ledger) // 2
    after = ledger.iloc[half + 40:]
    before_change = fit_cost_model(ledger.iloc[:half], COEFFICIENTS, PRICING)
    recalibrated = fit_cost_model(ledger, COEFFICIENTS, PRICING)
    stale = predict(after, before_change, COEFFICIENTS, PRICING)
    fresh = predict(after, recalibrated, COEFFICIENTS, PRICING)
    actual = after["actual_usd"].to_numpy()
    assert (actual / stale).mean() == pytest.approx(PRICE_CHANGE, rel=0.05)  # the old model misses the change
    assert mape(fresh, actual) < 5


def test_thin_backends_fall_back_and_say_so(ledger):
    few = pd.concat([ledger[ledger["backend"] == "previz"].iloc[:30], ledger[ledger["backend"] == "veo"].iloc[:2]])
    model = fit_cost_model(few.sort_values("finished_at"), COEFFICIENTS, PRICING)
    assert "previz" in model.coefficients and any("veo: 2 job(s)" in note for note in model.notes)
    empty = fit_cost_model(ledger.iloc[:0], COEFFICIENTS, PRICING)
    assert empty.coefficients == {} and "prior stands" in empty.notes[0]


def test_billing_export_with_bad_rows_is_refused_whole_with_line_numbers(ledger):
    good = frame_to_csv(ledger.iloc[:5])
    assert len(parse_billing_export(good)) == 5
    lines = good.splitlines()
    lines[2] = lines[2].replace(",1080p,", ",8k,").replace(",720p,", ",8k,")
    lines[4] = ",".join(["job-x", "not a date"] + lines[4].split(",")[2:])
    with pytest.raises(LedgerImportError) as caught:
        parse_billing_export("\n".join(lines))
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 3", "line 5"]
    with pytest.raises(LedgerImportError, match="line 1: missing column"):
        parse_billing_export("job_id,actual_usd\nx,1\n")
    assert list(parse_billing_export(good)[0].model_dump()) == LEDGER_COLUMNS


def test_recalibration_schedule_materializes_the_costing_assets_and_promotes(store, instance, ledger):
    store.put_bytes("cost/imports/history.csv", frame_to_csv(ledger).encode())
    defs = build_definitions(store, policy=ProductionPolicy())
    schedule = defs.resolve_schedule_def("daily_recalibration")
    assert schedule.cron_schedule == "0 6 * * *" and defs.resolve_schedule_def("daily_pricing_refresh")
    requests = list(schedule.evaluate_tick(dg.build_schedule_context(instance=instance)).run_requests)
    job = defs.resolve_job_def(schedule.job_name)
    result = job.execute_in_process(instance=instance, tags=requests[0].tags)
    assert result.success
    materialized = {e.asset_key.path[-1] for e in result.all_events if e.is_step_materialization}
    assert materialized == {"pricing_table", "cost_ledger", "cost_model", "cost_model_backtest"}
    backtest = json.loads(store.get_bytes("cost/cost_model_backtest.json"))
    assert backtest["promoted"] is True and load_promoted(store).version == backtest["model_version"]
    check = next(e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION")
    assert check.passed and "MAPE" in check.description
    meta = instance.get_latest_materialization_event(dg.AssetKey("cost_model_backtest")).asset_materialization.metadata
    assert "data:image/png;base64," in meta["plot"].value and store.get_bytes("cost/backtest.png")[:4] == b"\x89PNG"
    assert isinstance(meta["calibrated_all_mape"].value, float)
    job.execute_in_process(instance=instance)
    assert json.loads(store.get_bytes("cost/cost_model_backtest.json"))["promoted"] is False  # not better than itself


def test_too_few_jobs_only_warns(store, instance, ledger):
    store.put_bytes("cost/imports/short.csv", frame_to_csv(ledger.iloc[:30]).encode())
    result = build_definitions(store).resolve_job_def("recalibration").execute_in_process(instance=instance)
    check = next(e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION")
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN and "only 10" in check.description


def test_a_model_is_promoted_only_when_it_beats_the_current_one_on_new_jobs(store, instance, ledger):
    defs = build_definitions(store)
    job = defs.resolve_job_def("recalibration")
    store.put_bytes("cost/imports/first.csv", frame_to_csv(ledger.iloc[:150]).encode())
    job.execute_in_process(instance=instance)
    first = load_promoted(store)
    assert first is not None and first.fitted_on_jobs == 150
    store.put_bytes("cost/imports/second.csv", frame_to_csv(ledger.iloc[150:]).encode())  # prices rose
    job.execute_in_process(instance=instance)
    backtest = json.loads(store.get_bytes("cost/cost_model_backtest.json"))
    assert backtest["promoted"] is True and "on 150 new job(s)" in backtest["reason"]
    assert load_promoted(store).fitted_on_jobs == 300
