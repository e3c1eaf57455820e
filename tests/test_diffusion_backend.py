"""The self-hosted diffusers backend on CPU with a tiny, randomly initialised Wan pipeline loaded from a
folder: precision from policy, seeded determinism, conform to the profile, and a real Dagster run through
rendered_clips and technical QA, priced as GPU seconds at the policy's rate."""

import numpy as np
import pytest
import torch

from aiprod_assets.contracts import RenderedClips, TechnicalQAReport
from aiprod_assets.costing.pricing import gpu_usd_per_second, load_pricing
from aiprod_assets.failures import ShotFatalError
from aiprod_assets.intake.submission import accept
from aiprod_assets.media.decode import video_frames
from aiprod_assets.qa.technical import Expectations, check_file
from aiprod_assets.rendering.diffusion.backend import (
    DiffusionBackend,
    DiffusionOptions,
    frames_for,
)
from aiprod_assets.rendering.diffusion.precision import precision_for
from aiprod_assets.testing.tiny_diffusion import TINY_OPTIONS, save_tiny_wan
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy
from resources.render_backends import DiffusionSettings, RenderBackends
from tests.support.jobs import PLANNING_ASSETS, brief_bytes, run_production
from tests.support.provider_fixtures import PROFILE, provider_shot, request_for

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    return str(save_tiny_wan(tmp_path_factory.mktemp("tiny-wan")))


def backend(model: str, quantization: str = "FP32") -> DiffusionBackend:
    return DiffusionBackend(DiffusionOptions(model=model, **TINY_OPTIONS), CPU, quantization)


def test_wan_takes_four_k_plus_one_frames_covering_the_shot():
    assert [frames_for(s, 16) for s in (0.1, 1.0, 2.5, 5.0)] == [5, 17, 41, 81]


def test_precision_follows_the_policy():
    assert precision_for("FP32", "cpu").dtype == "float32" and precision_for("BF16", "cpu").dtype == "bfloat16"
    assert precision_for("FP16", "cuda").dtype == "float16"
    half_on_cpu = precision_for("FP16", "cpu")
    assert half_on_cpu.dtype == "float32" and "FP32" in half_on_cpu.note
    assert precision_for("Q4", "cuda").quant_backend == "bitsandbytes_4bit"
    with pytest.raises(ShotFatalError, match="bitsandbytes, which needs a CUDA device"):
        precision_for("Q8", "cpu")


def test_a_shot_is_drawn_and_conformed_to_the_profile(tiny_model, tmp_path):
    shot = provider_shot(frames=30)
    result = backend(tiny_model).render(request_for(tmp_path, shot, "wan"))
    out = request_for(tmp_path, shot, "wan").out_path
    checks = check_file(out, Expectations(PROFILE, target_duration_sec=shot.spec.frames / PROFILE.fps))
    assert [c.id for c in checks if not c.passed] == []
    assert any("scaled 32x32" in note for note in result.notes) and result.device == "cpu"
    assert len(list(video_frames(result.source_path))) == frames_for(1.0, TINY_OPTIONS["fps"])


def test_the_same_seed_draws_the_same_frames_and_another_seed_others(tiny_model):
    # The model's own output, before encoding: a float comparison, so thread scheduling in a float sum
    # cannot make two equal videos differ by a code value after the encoder.
    first, _ = backend(tiny_model).generate(provider_shot(frames=30))
    again, _ = backend(tiny_model).generate(provider_shot(frames=30))
    other, _ = backend(tiny_model).generate(provider_shot(frames=30, seed=8))
    assert first.shape == (frames_for(1.0, TINY_OPTIONS["fps"]), 32, 32, 3)
    assert np.allclose(first, again, atol=1e-5)
    assert np.abs(first - other).mean() > 1e-3


def test_weights_are_never_downloaded(tmp_path):
    with pytest.raises(ShotFatalError, match="never downloaded"):
        backend(str(tmp_path / "no-such-model")).render(request_for(tmp_path, provider_shot(frames=30), "wan"))


def test_rendered_clips_through_the_self_hosted_model_in_a_dagster_run(tiny_model, store, instance):
    job_id = accept(store, "wan.json", brief_bytes(job_id="wan-job", resolution="360p", duration_sec=2,
                                                   characters=[], backends=["wan"]), 500)
    gpu = TorchDevice(device="cpu")
    result = run_production(
        store, instance, job_id, selection=[*PLANNING_ASSETS, "rendered_clips", "technical_qa_report"], gpu=gpu,
        render_backends=RenderBackends(gpu=gpu, wan=DiffusionSettings(model=tiny_model, **TINY_OPTIONS)),
        policy=ProductionPolicy(enabled_backends=["previz", "wan"], quantization="FP32", remediation_attempts=1))
    assert result.success
    clips = RenderedClips.model_validate_json(store.get_bytes(f"jobs/{job_id}/rendered_clips.json")).clips
    assert clips and {c.backend for c in clips} == {"wan"}
    cpu_rate = gpu_usd_per_second(load_pricing(), "CPU")
    for clip in clips:  # GPU (here CPU) seconds at the policy's rate, as the ledger and calibration read it
        # Within the record's rounding: cost to 8 decimals (a few millionths of a dollar here), seconds to 4.
        assert clip.actual_cost_usd == pytest.approx(clip.render_seconds * cpu_rate, rel=1e-3, abs=1e-8)
    report = TechnicalQAReport.model_validate_json(store.get_bytes(f"jobs/{job_id}/technical_qa_report.json"))
    assert all(check.passed for clip in report.clips for check in clip.checks)
    estimate = store.get_bytes(f"jobs/{job_id}/cost_estimate.json").decode()
    assert '"backend": "wan"' in estimate and '"FP32"' in estimate
