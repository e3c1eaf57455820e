"""Cost you can trust: previz priced from a measured device profile, p10-p90 intervals, one sign
convention, a requested backend that is not enabled said out loud, a price for every default model."""

import pandas as pd
import pytest
import torch

from aiprod_assets.backends import CATALOGUE
from aiprod_assets.contracts import CostModel, DeviceProfile, TimedSample
from aiprod_assets.costing.budget import at_least_usd, decide_budget, usd
from aiprod_assets.costing.calibration import prior_prediction, residual_intervals
from aiprod_assets.costing.device import DEVICE_PROFILE_KEY, current_device_profile
from aiprod_assets.costing.estimate import MIN_INTERVAL_JOBS, estimate_cost
from aiprod_assets.costing.pricing import gpu_usd_per_second, load_pricing
from aiprod_assets.costing.prior_model import ComputeProfile, load_coefficients
from aiprod_assets.costing.report import accuracy_lines, spend_report
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.previz.timing import fit_timing, measure_device_profile
from tests.support.jobs import brief_bytes
from tests.support.shots import plan

PRICING, COEFFICIENTS = load_pricing(), load_coefficients()


def profile_of(per_clip=0.2, per_frame=0.005, per_mpx=0.01, device="cpu (2 threads)") -> DeviceProfile:
    return DeviceProfile(device=device, device_type="cpu", renderer_version="previz-1", encoder="libx264",
                         seconds_per_clip=per_clip, seconds_per_frame=per_frame, seconds_per_megapixel_frame=per_mpx,
                         warm_up_seconds=0.0, samples=[], measured_at="2026-11-30T00:00:00+00:00")


def test_every_backends_default_model_has_a_price():
    for name, backend in CATALOGUE.items():
        assert name in PRICING.backends, name
        assert PRICING.backends[name].version == backend.version, name
        if backend.kind == "api":
            assert PRICING.backends[name].usd_per_second.get("default", 0) > 0, name


def test_the_fit_separates_clip_frame_and_pixel_costs():
    truth = (0.3, 0.004, 0.012)
    samples = [TimedSample(width=w, height=h, frames=f, seconds=truth[0] + f * (truth[1] + w * h / 1e6 * truth[2]))
               for w, h in ((640, 360), (1920, 1080)) for f in (12, 36)]
    assert fit_timing(samples) == pytest.approx(truth, rel=1e-6)


def test_a_measured_profile_predicts_a_real_render_on_this_device():
    cpu = torch.device("cpu")
    profile = measure_device_profile(cpu, "cpu", [render_profile("360p", "16:9", 30), render_profile("720p", "16:9", 30)])
    assert profile.device_type == "cpu" and profile.encoder == "libx264" and len(profile.samples) == 4
    assert profile.seconds_per_clip >= 0 and profile.seconds_per_frame + profile.seconds_per_megapixel_frame > 0
    big = max(profile.samples, key=lambda s: (s.width * s.height, s.frames))
    small = min(profile.samples, key=lambda s: (s.width * s.height, s.frames))
    assert profile.clip_seconds(big.frames, big.width, big.height) > profile.clip_seconds(small.frames, small.width,
                                                                                         small.height)


def test_previz_is_priced_from_the_device_profile_and_the_ledger_keeps_that_prior():
    sanitized, _, shot_list = plan(brief_bytes(duration_sec=6, resolution="360p", characters=[]))
    device = profile_of()
    estimate = estimate_cost(sanitized, shot_list, PRICING, COEFFICIENTS, ComputeProfile(), ["previz"], None, device)
    previz = estimate.per_backend[0]
    seconds = sum(device.clip_seconds(s.spec.frames, 640, 360) for s in shot_list.shots)
    assert previz.total_usd == pytest.approx(seconds * gpu_usd_per_second(PRICING, "CPU"), abs=1e-6)
    assert previz.prior_usd == pytest.approx(previz.total_usd, abs=1e-6)
    assert [f.name for f in previz.factors] == ["device_seconds", "gpu_model"]
    # The calibration compares actuals with the prior as it was at estimate time, not a recomputation.
    row = {"backend": "previz", "prior_usd": previz.prior_usd, "device": "CPU", "complexity": 0.5,
           "duration_sec": 6, "resolution": "360p"}
    assert prior_prediction(row, COEFFICIENTS, PRICING) == previz.prior_usd
    assert prior_prediction({**row, "prior_usd": float("nan"), "quantization": "FP16", "batch_size": 1,
                             "gpu_count": 1, "framework": "pytorch", "spot": False}, COEFFICIENTS, PRICING) > 0


def test_intervals_come_from_the_prior_until_the_backtest_has_enough_jobs():
    sanitized, _, shot_list = plan(brief_bytes(duration_sec=6, resolution="360p", characters=[]))
    first = estimate_cost(sanitized, shot_list, PRICING, COEFFICIENTS, ComputeProfile(), ["previz"], None, profile_of())
    spread = COEFFICIENTS["uncertainty"]["measured_device"]
    assert first.p10_usd == pytest.approx(first.total_usd * spread["p10"], abs=1e-6)
    assert first.p90_usd == pytest.approx(first.total_usd * spread["p90"], abs=1e-6)
    assert first.p10_usd < first.total_usd < first.p90_usd
    assert "prior uncertainty" in first.per_backend[0].interval_basis

    frame = pd.DataFrame({"backend": ["previz"] * MIN_INTERVAL_JOBS, "calibrated": [1.0] * MIN_INTERVAL_JOBS,
                          "actual": [0.9 + 0.01 * i for i in range(MIN_INTERVAL_JOBS)]})
    model = CostModel(version="calibrated-x", fitted_on_jobs=40, coefficients={}, intervals=residual_intervals(frame))
    later = estimate_cost(sanitized, shot_list, PRICING, COEFFICIENTS, ComputeProfile(), ["previz"], model,
                          profile_of())
    assert later.p10_usd == pytest.approx(later.total_usd * frame["actual"].quantile(0.1), rel=1e-3)
    assert "backtest residuals of calibrated-x" in later.per_backend[0].interval_basis


def test_a_requested_backend_not_enabled_is_named():
    sanitized, _, shot_list = plan(brief_bytes(duration_sec=4, resolution="360p", characters=[],
                                               backends=["veo", "previz"]))
    estimate = estimate_cost(sanitized, shot_list, PRICING, COEFFICIENTS, ComputeProfile(), ["previz"], None,
                             profile_of())
    assert estimate.chain == ["previz"]
    assert len(estimate.notes) == 1
    assert estimate.notes[0].startswith("veo requested but not enabled here (")
    assert "RenderBackends.veo" in estimate.notes[0] and estimate.notes[0].endswith("rendering with previz")


def test_the_device_profile_is_measured_once_and_reused_while_the_device_is_the_same(store):
    calls = []

    def measure(name):
        def run():
            calls.append(name)
            return profile_of(device=name)
        return run

    first = current_device_profile(store, "gpu-a-test", measure("gpu-a-test"))
    again = current_device_profile(store, "gpu-a-test", measure("gpu-a-test"))
    assert first == again and calls == ["gpu-a-test"] and store.exists(DEVICE_PROFILE_KEY)
    other = current_device_profile(store, "gpu-b-test", measure("gpu-b-test"))
    assert other.device == "gpu-b-test" and calls == ["gpu-a-test", "gpu-b-test"]
    store.put_bytes(DEVICE_PROFILE_KEY, b"{not json")  # an unreadable profile is set aside and measured anew
    events = []
    assert current_device_profile(store, "gpu-b-test", measure("gpu-b-test"), events.append).device == "gpu-b-test"
    assert any("unreadable" in e for e in events)


def test_one_sign_convention_actual_minus_estimate_over_estimate():
    ledger = pd.DataFrame({"job_id": ["a", "b"], "finished_at": pd.to_datetime(["2026-11-01", "2026-11-02"], utc=True),
                           "backend": ["previz", "previz"], "estimate_usd": [1.0, 2.0], "actual_usd": [1.5, 1.0]})
    accuracy = spend_report(ledger)["estimate_accuracy"]
    assert accuracy["bias_pct"] == pytest.approx((50 - 50) / 2) and accuracy["mape_pct"] == pytest.approx(50)
    over = spend_report(ledger.assign(actual_usd=[2.0, 3.0]))["estimate_accuracy"]
    assert over["bias_pct"] == pytest.approx(75.0)  # cost more than estimated: positive, as in variance_pct
    mape_line, bias_line = accuracy_lines(over["mape_pct"], over["bias_pct"], 2)
    assert "(actual - estimate) / estimate" in bias_line and "more than estimated" in bias_line
    assert mape_line.startswith("MAPE 75.0%")


@pytest.mark.parametrize("amount,text", [(0.000110, "$0.000110"), (0.002191, "$0.00219"), (0.5, "$0.500"),
                                         (23.746199999999998, "$23.75"), (1234.5, "$1,234.50")])
def test_amounts_show_the_digits_that_matter(amount, text):
    assert usd(amount) == text


def test_a_tiny_budget_is_refused_with_a_true_minimum():
    chain, decision = decide_budget(["previz"], {"previz": 0.000231}, 0.0001)
    assert chain == [] and decision.decision == "rejected"
    assert f"at least ${at_least_usd(0.000231)}" in decision.reason and "$0.00024" in decision.reason
    assert "\n" not in decision.reason


def test_the_device_profile_asset_stores_what_the_estimate_then_reuses(store):
    import dagster as dg

    from aiprod_assets.costing.device_assets import device_profile
    from aiprod_assets.layout import read_artefact
    from resources.gpu import TorchDevice
    from resources.json_io_manager import JsonIOManager

    gpu = TorchDevice(device="cpu")
    result = dg.materialize([device_profile], resources={"gpu": gpu, "io_manager": JsonIOManager(store=store)})
    assert result.success
    stored = read_artefact(store, "device_profile", None)
    assert stored.device == gpu.describe() and len(stored.samples) == 4
    metadata = result.asset_materializations_for_node("device_profile")[0].metadata
    assert metadata["device"].value == gpu.describe() and metadata["ms_per_frame"].value >= 0

    def must_not_measure():
        raise AssertionError("a stored profile of this device is reused, not measured again")

    assert current_device_profile(store, gpu.describe(), must_not_measure) == stored


def test_the_budget_decision_can_use_the_p90():
    sanitized, _, shot_list = plan(brief_bytes(duration_sec=6, resolution="360p", characters=[]))
    device = profile_of()
    on_estimate = estimate_cost(sanitized, shot_list, PRICING, COEFFICIENTS, ComputeProfile(), ["previz"], None,
                                device)
    budget = (on_estimate.total_usd + on_estimate.p90_usd) / 2  # fits the estimate, not its p90
    tight = sanitized.model_copy(update={"brief": sanitized.brief.model_copy(update={"budget_usd": budget})})
    assert estimate_cost(tight, shot_list, PRICING, COEFFICIENTS, ComputeProfile(), ["previz"], None,
                         device).decision.decision != "rejected"
    careful = estimate_cost(tight, shot_list, PRICING, COEFFICIENTS, ComputeProfile(), ["previz"], None, device,
                            budget_on="p90")
    assert careful.decision.decision == "rejected" and careful.decision.reason.startswith("on p90 estimates")
