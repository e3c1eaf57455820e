"""The cost estimate of a job: per-backend line items and factors, chain and budget decision.

previz is priced from the device profile measured on this device when there is one (its seconds per
clip, per frame and per megapixel-frame at the device's rate); another self-hosted backend from the
prior's coefficients; an API backend at list price per billed second. Each estimate carries a p10-p90
interval of what the job will really cost (see ``interval``).
"""

from __future__ import annotations

from typing import Any

from aiprod_assets.backends import requested_chain, requested_seconds
from aiprod_assets.contracts import (
    BackendEstimate,
    CostEstimate,
    CostFactor,
    CostModel,
    DeviceProfile,
    LineItem,
    PricingTable,
    SanitizedInput,
    ShotList,
)
from aiprod_assets.costing.budget import decide_budget
from aiprod_assets.costing.calibration import calibrated_usd
from aiprod_assets.costing.pricing import api_usd_per_second, gpu_usd_per_second
from aiprod_assets.costing.prior_model import ComputeProfile, predict_self_hosted

# Fewer backtested jobs than this and the spread of residuals says little: the prior's stands.
MIN_INTERVAL_JOBS = 20


def device_gpu(device: DeviceProfile, compute: ComputeProfile) -> str:
    """The priced device a render on ``device`` is charged as (the same rule the renderer applies)."""
    return "CPU" if device.device_type == "cpu" else compute.gpu_model


def _device_factors(device: DeviceProfile, shot_list: ShotList, compute: ComputeProfile,
                    pricing: PricingTable) -> list[CostFactor]:
    profile = shot_list.profile
    seconds = sum(device.clip_seconds(s.spec.frames, profile.width, profile.height) for s in shot_list.shots)
    gpu = device_gpu(device, compute)
    frames = sum(s.spec.frames for s in shot_list.shots)
    return [
        CostFactor(name="device_seconds", value=device.device, multiplier=round(seconds, 6),
                   explanation=f"measured on this device ({device.measured_at}): {device.seconds_per_clip:.3f} s per "
                               f"clip + {device.seconds_per_frame * 1000:.2f} ms per frame + "
                               f"{device.seconds_per_megapixel_frame * 1000:.2f} ms per megapixel-frame, for "
                               f"{len(shot_list.shots)} clip(s), {frames} frames at {profile.width}x{profile.height}"),
        CostFactor(name="gpu_model", value=gpu, multiplier=round(gpu_usd_per_second(pricing, gpu), 9),
                   explanation=f"USD per device-second ({pricing.gpus[gpu].usd_per_hour:g}/h, pricing {pricing.version})"),
    ]


def interval(backend: str, kind: str, measured: bool, model: CostModel | None,
             coefficients: dict[str, Any]) -> tuple[float, float, str]:
    """(p10, p90) of actual / estimate and where they come from: the promoted model's backtest residuals
    when enough jobs gave them, else the prior's documented uncertainty."""
    fitted = (model.intervals.get(backend) or model.intervals.get("*")) if model is not None else None
    if fitted and fitted.get("jobs", 0) >= MIN_INTERVAL_JOBS:
        return fitted["p10"], fitted["p90"], f"backtest residuals of {model.version} over {fitted['jobs']:g} jobs"
    source = "measured_device" if measured else kind
    spread = coefficients["uncertainty"][source]
    return spread["p10"], spread["p90"], f"prior uncertainty ({source}: {spread['why']})"


def estimate_backend(backend: str, sanitized: SanitizedInput, shot_list: ShotList, pricing: PricingTable,
                     coefficients: dict[str, Any], compute: ComputeProfile,
                     model: CostModel | None = None, device: DeviceProfile | None = None) -> BackendEstimate:
    price = pricing.backends[backend]
    complexity = sanitized.complexity.score
    resolution = sanitized.brief.resolution
    profile = shot_list.profile
    measured = backend == "previz" and device is not None
    prior: dict[str, float] = {}
    for shot in shot_list.shots:
        seconds = shot.spec.duration_sec
        if measured:
            usd = (device.clip_seconds(shot.spec.frames, profile.width, profile.height)
                   * gpu_usd_per_second(pricing, device_gpu(device, compute)))
        elif price.kind == "self_hosted":
            usd = predict_self_hosted(coefficients, pricing, complexity, seconds, resolution, compute).usd
        else:
            usd = requested_seconds(backend, seconds) * api_usd_per_second(pricing, backend, resolution)
        prior[shot.shot_id] = usd
    prior_total = sum(prior.values())
    # The calibrated model predicts the whole job (it may hold a fixed cost per job); shots share it pro rata.
    calibration = (calibrated_usd(model, backend, prior_total, complexity, resolution) / prior_total
                   if model is not None and prior_total > 0 else 1.0)
    items = [LineItem(shot_id=s.shot_id, backend=backend, seconds=s.spec.duration_sec,
                      usd=round(prior[s.shot_id] * calibration, 8)) for s in shot_list.shots]
    total_seconds = sum(i.seconds for i in items)
    billed_seconds = sum(requested_seconds(backend, i.seconds) for i in items)
    if measured:
        factors = _device_factors(device, shot_list, compute, pricing)
    elif price.kind == "self_hosted":
        factors = predict_self_hosted(coefficients, pricing, complexity, total_seconds, resolution, compute).factors
    else:
        rate = api_usd_per_second(pricing, backend, resolution)
        factors = [
            CostFactor(name="price_per_second", value=resolution, multiplier=rate,
                       explanation=f"{backend} list price ({price.source}, pricing {pricing.version})"),
            CostFactor(name="duration", value=f"{billed_seconds:g} s", multiplier=billed_seconds,
                       explanation=f"seconds billed: {total_seconds:g} s of shots, each requested at a clip "
                                   f"length {backend} accepts"),
        ]
    if model is not None:
        form = model.forms.get(backend, model.forms.get("*", "level"))
        factors.append(CostFactor(name="calibration", value=model.version, multiplier=round(calibration, 6),
                                  explanation=f"{form} form learnt from {model.fitted_on_jobs} finished jobs"))
    total = sum(i.usd for i in items)
    p10, p90, basis = interval(backend, price.kind, measured, model, coefficients)
    return BackendEstimate(backend=backend, kind=price.kind, total_usd=round(total, 8), factors=factors,
                           line_items=items, prior_usd=round(sum(prior.values()), 8),
                           p10_usd=round(total * p10, 8), p90_usd=round(total * p90, 8), interval_basis=basis)


def unavailable_backends(asked: list[str], enabled: list[str], rendering_with: str | None) -> list[str]:
    """One note per backend the brief asks for that this deployment has not switched on."""
    then = f"; rendering with {rendering_with}" if rendering_with else ""
    return [f"{name} requested but not enabled here (add it to ProductionPolicy.enabled_backends and configure "
            f"RenderBackends.{name}){then}" for name in asked if name not in enabled]


def estimate_cost(sanitized: SanitizedInput, shot_list: ShotList, pricing: PricingTable,
                  coefficients: dict[str, Any], compute: ComputeProfile, enabled_backends: list[str],
                  model: CostModel | None = None, device: DeviceProfile | None = None,
                  budget_on: str = "estimate") -> CostEstimate:
    """``budget_on="p90"`` makes the budget decision on each chain's p90 instead of its estimate: a job is
    approved only when it would fit nine times in ten."""
    unpriced = [b for b in enabled_backends if b not in pricing.backends]
    if unpriced:
        raise KeyError(f"enabled backends without a price in pricing {pricing.version}: {', '.join(unpriced)}")
    requested = requested_chain(sanitized.brief.backends, enabled_backends)
    per_backend = [estimate_backend(b, sanitized, shot_list, pricing, coefficients, compute, model, device)
                   for b in enabled_backends]
    by_name = {e.backend: e for e in per_backend}
    totals = {e.backend: (e.p90_usd if budget_on == "p90" and e.p90_usd is not None else e.total_usd)
              for e in per_backend}
    chain, decision = decide_budget(requested, totals, sanitized.brief.budget_usd)
    if budget_on == "p90":
        decision = decision.model_copy(update={"reason": f"on p90 estimates: {decision.reason}"})
    chosen = by_name[chain[0]] if chain else min(per_backend, key=lambda e: e.total_usd)
    return CostEstimate(
        job_id=sanitized.job_id,
        model_version=model.version if model is not None else coefficients["version"],
        pricing_version=pricing.version,
        total_usd=round(chosen.total_usd, 8),
        chain=chain,
        requested_chain=requested,
        per_backend=per_backend,
        decision=decision,
        p10_usd=chosen.p10_usd,
        p90_usd=chosen.p90_usd,
        notes=unavailable_backends(sanitized.brief.backends, enabled_backends, chain[0] if chain else None),
    )
