"""The cost estimate of a job: per-backend line items and factors, chain and budget decision."""

from __future__ import annotations

from typing import Any

from aiprod_assets.backends import requested_chain, requested_seconds
from aiprod_assets.contracts import (
    BackendEstimate,
    CostEstimate,
    CostFactor,
    CostModel,
    LineItem,
    PricingTable,
    SanitizedInput,
    ShotList,
)
from aiprod_assets.costing.budget import decide_budget
from aiprod_assets.costing.calibration import correction
from aiprod_assets.costing.pricing import api_usd_per_second
from aiprod_assets.costing.prior_model import ComputeProfile, predict_self_hosted


def estimate_backend(backend: str, sanitized: SanitizedInput, shot_list: ShotList, pricing: PricingTable,
                     coefficients: dict[str, Any], compute: ComputeProfile,
                     model: CostModel | None = None) -> BackendEstimate:
    price = pricing.backends[backend]
    complexity = sanitized.complexity.score
    calibration = correction(model, backend, complexity)
    resolution = sanitized.brief.resolution
    items: list[LineItem] = []
    for shot in shot_list.shots:
        seconds = shot.spec.duration_sec
        if price.kind == "self_hosted":
            usd = predict_self_hosted(coefficients, pricing, complexity, seconds, resolution, compute).usd
        else:
            usd = requested_seconds(backend, seconds) * api_usd_per_second(pricing, backend, resolution)
        items.append(LineItem(shot_id=shot.shot_id, backend=backend, seconds=seconds, usd=round(usd * calibration, 6)))
    total_seconds = sum(i.seconds for i in items)
    billed_seconds = sum(requested_seconds(backend, i.seconds) for i in items)
    if price.kind == "self_hosted":
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
        factors.append(CostFactor(name="calibration", value=model.version, multiplier=round(calibration, 6),
                                  explanation=f"correction learnt from {model.fitted_on_jobs} finished jobs"))
    return BackendEstimate(backend=backend, kind=price.kind, total_usd=round(sum(i.usd for i in items), 6),
                           factors=factors, line_items=items)


def estimate_cost(sanitized: SanitizedInput, shot_list: ShotList, pricing: PricingTable,
                  coefficients: dict[str, Any], compute: ComputeProfile, enabled_backends: list[str],
                  model: CostModel | None = None) -> CostEstimate:
    unpriced = [b for b in enabled_backends if b not in pricing.backends]
    if unpriced:
        raise KeyError(f"enabled backends without a price in pricing {pricing.version}: {', '.join(unpriced)}")
    requested = requested_chain(sanitized.brief.backends, enabled_backends)
    per_backend = [estimate_backend(b, sanitized, shot_list, pricing, coefficients, compute, model)
                   for b in enabled_backends]
    totals = {e.backend: e.total_usd for e in per_backend}
    chain, decision = decide_budget(requested, totals, sanitized.brief.budget_usd)
    total = totals[chain[0]] if chain else min(totals.values())
    return CostEstimate(
        job_id=sanitized.job_id,
        model_version=model.version if model is not None else coefficients["version"],
        pricing_version=pricing.version,
        total_usd=round(total, 6),
        chain=chain,
        requested_chain=requested,
        per_backend=per_backend,
        decision=decision,
    )
