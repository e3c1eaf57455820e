import pytest

from aiprod_assets.backends import requested_seconds
from aiprod_assets.contracts import BudgetDecision
from aiprod_assets.costing.budget import decide_budget, usd
from aiprod_assets.costing.estimate import estimate_cost
from aiprod_assets.costing.pricing import load_pricing
from aiprod_assets.costing.prior_model import (
    ComputeProfile,
    batch_multiplier,
    load_coefficients,
    predict_self_hosted,
)
from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.intake.submission import brief_record
from aiprod_assets.planning.local_planner import plan_production
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.planning.shots import build_shot_list
from tests.support.jobs import brief_bytes

COEFFICIENTS = load_coefficients()
PRICING = load_pricing()


def prior(complexity, seconds, **compute):
    profile = ComputeProfile(**compute)
    return predict_self_hosted(COEFFICIENTS, PRICING, complexity, seconds, "1080p", profile)


def test_prior_cases_from_the_costing_issue():
    assert 0.15 <= prior(0.2, 60, quantization="Q4").usd <= 0.35
    assert prior(0.9, 120, gpu_count=4).usd > 1.50
    on_demand = prior(0.5, 60)
    assert prior(0.5, 60, spot=True).usd < 0.4 * on_demand.usd


def test_every_factor_is_reported_and_multiplies_to_the_total():
    prediction = prior(0.4, 30, quantization="Q8", batch_size=4, gpu_count=2, framework="tensorrt", spot=True)
    names = [f.name for f in prediction.factors]
    assert names == ["base_rate", "duration", "resolution", "gpu_model", "quantization", "batch_efficiency",
                     "multi_gpu_overhead", "framework", "spot"]
    product = 1.0
    for factor in prediction.factors:
        product *= factor.multiplier
    assert product == pytest.approx(prediction.usd)
    assert dict((f.name, f.multiplier) for f in prediction.factors)["multi_gpu_overhead"] == pytest.approx(1.05)


def test_batch_efficiency_is_one_at_batch_one_and_falls():
    values = [batch_multiplier(COEFFICIENTS, b) for b in (1, 2, 4, 8, 64)]
    assert values[0] == 1.0 and values == sorted(values, reverse=True) and values[-1] >= 0.6


def test_gpu_and_quantization_order_costs():
    gpus = [prior(0.5, 60, gpu_model=g).usd for g in ("T4", "RTX4090", "A100", "H100")]
    assert gpus == sorted(gpus)
    quants = [prior(0.5, 60, quantization=q).usd for q in ("Q4", "Q8", "FP16", "FP32")]
    assert quants == sorted(quants)


def test_unknown_parameter_names_what_is_known():
    with pytest.raises(KeyError, match="FP16"):
        prior(0.5, 60, quantization="INT2")


def test_coefficients_live_in_data_not_code(tmp_path):
    changed = {**COEFFICIENTS, "spot_discount": 0.5}
    profile = ComputeProfile(spot=True)
    half = predict_self_hosted(changed, PRICING, 0.5, 60, "1080p", profile).usd
    assert half == pytest.approx(prior(0.5, 60).usd * 0.5)


@pytest.mark.parametrize("estimates,budget,decision,chain", [
    ({"previz": 1.0, "veo": 6.0}, 10.0, "approved", ["veo", "previz"]),
    ({"previz": 1.0, "veo": 9.0}, 10.0, "downgraded", ["previz", "veo"]),
    ({"previz": 1.0, "veo": 12.0}, 10.0, "downgraded", ["previz"]),
    ({"previz": 11.0, "veo": 12.0}, 10.0, "rejected", []),
])
def test_budget_decision(estimates, budget, decision, chain):
    got_chain, got = decide_budget(["veo", "previz"], estimates, budget)
    assert isinstance(got, BudgetDecision)
    assert (got.decision, got_chain) == (decision, chain)
    if decision == "rejected":
        assert "$11.00" in got.reason and "$10" in got.reason


def plan_and_estimate(enabled, **brief):
    sanitized = sanitize(brief_record("cost-job", "test", brief_bytes(**brief)), budget_cap_usd=500)
    manifest = plan_production(sanitized)
    shot_list = build_shot_list(manifest, render_profile(), "previz", "previz-1")
    return estimate_cost(sanitized, shot_list, PRICING, COEFFICIENTS, ComputeProfile(),
                         enabled)


def test_estimate_has_line_items_per_shot_and_api_prices_by_resolution():
    estimate = plan_and_estimate(["previz", "veo", "runway"], backends=["veo", "previz"], budget_usd=20)
    veo = next(b for b in estimate.per_backend if b.backend == "veo")
    # Veo makes 4, 6 or 8 s clips: each shot is billed at the shortest that covers it, at the 1080p price.
    billed = [requested_seconds("veo", i.seconds) for i in veo.line_items]
    assert all(b in (4, 6, 8) and b >= i.seconds for b, i in zip(billed, veo.line_items))
    assert veo.total_usd == pytest.approx(sum(billed) * 0.50) and veo.total_usd >= 12 * 0.50
    assert sum(i.seconds for i in veo.line_items) == pytest.approx(12)
    runway = next(b for b in estimate.per_backend if b.backend == "runway")
    runway_rate = PRICING.backends["runway"].usd_per_second["default"]
    assert runway.total_usd == pytest.approx(sum(requested_seconds("runway", i.seconds) for i in runway.line_items)
                                             * runway_rate)
    assert estimate.decision.decision == "approved" and estimate.chain[0] == "veo"
    assert estimate.total_usd == pytest.approx(veo.total_usd)


def test_estimate_downgrades_and_rejects_with_numbers():
    downgraded = plan_and_estimate(["previz", "veo"], backends=["veo"], budget_usd=5)
    assert downgraded.decision.decision == "downgraded" and downgraded.chain[0] == "previz"
    rejected = plan_and_estimate(["veo", "runway"], backends=["veo"], budget_usd=0.5)
    assert rejected.decision.decision == "rejected" and rejected.chain == []
    runway = next(b for b in rejected.per_backend if b.backend == "runway")
    # Billed in whole seconds per shot at list price, and the reason gives the figure.
    assert runway.total_usd == pytest.approx(sum(requested_seconds("runway", i.seconds) for i in runway.line_items)
                                             * PRICING.backends["runway"].usd_per_second["default"])
    assert f"runway {usd(runway.total_usd)}" in rejected.decision.reason


def test_estimate_uses_the_promoted_model_and_records_its_version():
    from aiprod_assets.contracts import CostModel

    model = CostModel(version="calibrated-test", fitted_on_jobs=40, coefficients={"veo": {"c0": 2.0, "c1": 0.0}})
    sanitized = sanitize(brief_record("cost-job", "test", brief_bytes(backends=["veo"], budget_usd=50)), 500)
    shot_list = build_shot_list(plan_production(sanitized), render_profile(), "veo", "veo-3")
    prior = estimate_cost(sanitized, shot_list, PRICING, COEFFICIENTS, ComputeProfile(), ["veo"])
    calibrated = estimate_cost(sanitized, shot_list, PRICING, COEFFICIENTS, ComputeProfile(),
                               ["veo"], model)
    assert calibrated.model_version == "calibrated-test" and prior.model_version == COEFFICIENTS["version"]
    assert calibrated.total_usd == pytest.approx(2 * prior.total_usd)
    assert calibrated.per_backend[0].factors[-1].name == "calibration"
