"""Calibration against synthetic truths shaped like real bills: fixed costs per job, billing units with a
minimum, price steps, a mixture. On each the calibrated backtest comes within 2 points of the noise floor."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from aiprod_assets.costing.calibration import (
    _backend_fit,
    fit_cost_model,
    model_frame,
    rolling_backtest,
)
from aiprod_assets.costing.forms import billed_seconds, predict_form
from aiprod_assets.costing.price_steps import detect_step, known_steps
from aiprod_assets.costing.pricing import load_pricing, pricing_history
from aiprod_assets.costing.prior_model import load_coefficients
from tests.support.ledger_factory import shaped_ledger

COEFFICIENTS, PRICING = load_coefficients(), load_pricing()


def noise_floor(backtest, truth, scope="all"):
    """The MAPE a model that knew the truth exactly would score on the same backtested jobs."""
    frame = backtest.frame if scope == "all" else backtest.frame[backtest.frame["backend"] == scope]
    expected = frame["job_id"].map(truth)
    return float(((frame["actual"] - expected) / expected).abs().mean() * 100)


@pytest.mark.parametrize("shape", ["proportional", "fixed_plus_rate", "unit_billing", "price_step", "mixture"])
def test_calibration_backtest_comes_within_two_points_of_the_noise_floor(shape):
    ledger, truth = shaped_ledger(shape, COEFFICIENTS, PRICING)
    model = fit_cost_model(ledger, COEFFICIENTS, PRICING)
    backtest = rolling_backtest(ledger, COEFFICIENTS, PRICING, forms=model.forms)
    scores = {s.scope: s for s in backtest.calibrated}
    for scope in ("all", "previz", "veo", "runway"):
        assert scores[scope].mape <= noise_floor(backtest, truth, scope) + 2.0, (shape, scope, model.form_reasons)


def test_calibration_is_no_worse_than_a_prior_that_is_exactly_right():
    ledger, _ = shaped_ledger("exact_prior", COEFFICIENTS, PRICING)
    backtest = rolling_backtest(ledger, COEFFICIENTS, PRICING)
    calibrated = {s.scope: s.mape for s in backtest.calibrated}
    prior = {s.scope: s.mape for s in backtest.prior}
    assert all(calibrated[scope] <= prior[scope] + 1.0 for scope in prior), (calibrated, prior)


def test_the_form_each_bill_shape_needs_is_chosen_and_said_why():
    model = fit_cost_model(shaped_ledger("mixture", COEFFICIENTS, PRICING)[0], COEFFICIENTS, PRICING)
    assert model.forms["previz"].startswith("fixed+rate") or model.forms["previz"] == "full"
    assert model.coefficients["previz"]["fixed"] == pytest.approx(2.0, rel=0.25)
    assert model.forms["veo"] != "level" and model.forms["runway"] != "prior"
    assert "runway" in model.steps and "veo" not in model.steps and "previz" not in model.steps
    assert all("MAPE" in model.form_reasons[b] for b in ("previz", "veo", "runway"))
    simple = fit_cost_model(shaped_ledger("proportional", COEFFICIENTS, PRICING)[0], COEFFICIENTS, PRICING)
    assert simple.forms["veo"] == "level"  # nothing more than a level to learn: the simplest form wins


def test_billing_units_round_up_and_keep_the_minimum():
    rule = PRICING.backends["veo"].billing
    assert billed_seconds(3, rule) == 8 and billed_seconds(8, rule) == 8 and billed_seconds(8.5, rule) == 16
    assert billed_seconds(7, None) == 7


def test_a_step_is_found_only_where_the_level_jumps():
    rng = np.random.default_rng(3)
    flat = rng.normal(0, 0.04, 120)
    assert detect_step(flat) is None
    stepped = np.concatenate([flat[:80], flat[80:] + np.log(1.35)])
    assert detect_step(stepped) == 80
    assert detect_step(np.concatenate([flat[:80], flat[80:] + np.log(1.05)])) is None  # too small to forget for


def test_known_steps_come_from_the_pricing_files():
    steps = known_steps(pricing_history())
    assert steps.get("runway") == ["2026-11-27"]  # gen4_turbo at $0.05/s became gen4.5 at $0.12/s


def test_a_known_price_step_forgets_recomputed_jobs_before_it_once_enough_came_after():
    import pandas as pd

    from aiprod_assets.costing.price_steps import after_known_steps

    times = pd.to_datetime([f"2026-11-{d:02d}T12:00:00+00:00" for d in range(10, 30)], utc=True)
    frame = pd.DataFrame({"finished_at": times, "prior_usd": [np.nan] * 20})
    kept, date = after_known_steps(frame, ["2026-11-27"], min_after=3)
    assert date == "2026-11-27" and len(kept) == 3  # the 27th, 28th and 29th
    kept, date = after_known_steps(frame, ["2026-11-27"], min_after=8)
    assert date is None and len(kept) == 20  # too few since: the older jobs are all there is
    recorded = frame.assign(prior_usd=1.0)  # priced at estimate time: already at the price of its day
    assert len(after_known_steps(recorded, ["2026-11-27"], min_after=3)[0]) == 20


def test_the_issues_ledger_imported_and_recalibrated_backtests_under_eight_percent(tmp_path):
    """300 jobs with a fixed cost per job for self-hosted, 8 s units with a minimum for veo and a +35 % step
    for runway, 4 % noise: `aiprod cost import`, then the `recalibration` job, as a user runs them."""
    import json

    import dagster as dg

    from aiprod_assets.costing.ledger import frame_to_csv
    from aiprod_assets.definitions import build_definitions
    from resources.artifact_store import LocalArtifactStore
    from tests.support.cli import aiprod

    ledger, _ = shaped_ledger("mixture", COEFFICIENTS, PRICING)
    export = tmp_path / "billing.csv"
    export.write_text(frame_to_csv(ledger.drop(columns=["prior_usd"])))
    imported = aiprod(tmp_path, "cost", "import", export)
    assert imported.returncode == 0 and "imported 300 row(s)" in imported.stdout, imported.stderr
    store = LocalArtifactStore(root=str(tmp_path / ".aiprod" / "store"))
    with dg.instance_for_test() as instance:
        result = build_definitions(store).resolve_job_def("recalibration").execute_in_process(instance=instance)
        assert result.success
        model_meta = instance.get_latest_materialization_event(dg.AssetKey("cost_model")).asset_materialization.metadata
    backtest = json.loads(store.get_bytes("cost/cost_model_backtest.json"))
    scores = {s["scope"]: s["mape"] for s in backtest["calibrated"]}
    assert all(mape <= 8.0 for mape in scores.values()), scores
    assert set(scores) == {"all", "previz", "veo", "runway"}
    assert {model_meta[f"form_{b}"].value for b in ("previz", "veo", "runway")} <= {
        "rate", "level", "fixed+rate", "fixed+rate+complexity", "full"}
    assert "price_step_runway" in model_meta and "MAPE" in model_meta["forms"].value


ONE_JOB = textwrap.dedent("""
    import json, sys
    import aiprod_assets.definitions
    from aiprod_assets.contracts import CostModel
    from aiprod_assets.costing.calibration import calibrated_usd
    model = CostModel.model_validate_json(sys.stdin.read())
    jobs = json.loads(sys.argv[1])
    print(json.dumps([calibrated_usd(model, *job) for job in jobs]))
    print("pandas" in sys.modules)
""")


def test_one_jobs_calibrated_estimate_is_what_the_model_predicts_over_a_frame_without_pandas():
    """A job's estimate asks the promoted model about one job: the figure its form gives over a ledger frame
    of that job, from a process that loaded the code location and never imported pandas."""
    ledger, _ = shaped_ledger("mixture", COEFFICIENTS, PRICING)
    model = fit_cost_model(ledger, COEFFICIENTS, PRICING)
    assert set(model.forms.values()) - {"level", "prior"}  # forms with a fixed cost and rates are exercised
    jobs = [[row.backend, float(row.pb), float(row.complexity), row.resolution]
            for row in model_frame(ledger, COEFFICIENTS, PRICING).iloc[::7].itertuples()]
    expected = []
    for backend, prior, complexity, resolution in jobs:
        form, fitted = _backend_fit(model, backend)
        one_job = pd.DataFrame({"p": [prior], "pb": [prior], "complexity": [complexity], "resolution": [resolution]})
        expected.append(float(predict_form(form, fitted, one_job)[0]))
    done = subprocess.run([sys.executable, "-c", ONE_JOB, json.dumps(jobs)], input=model.model_dump_json(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    figures, pandas_imported = done.stdout.splitlines()
    assert np.allclose(json.loads(figures), expected, rtol=1e-12)
    assert len(set(np.round(expected, 9))) > 3  # the jobs differ: a constant answer would not pass
    assert pandas_imported == "False"
