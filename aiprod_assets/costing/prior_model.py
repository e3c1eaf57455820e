"""The prior multi-parameter cost model of self-hosted rendering.

cost = output seconds x GPU-seconds per output second (from complexity, scaled by
resolution) x GPU $/s x quantization x batch efficiency x multi-GPU overhead
x framework x (1 - spot discount). Every coefficient comes from a data file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiprod_assets.contracts import CostFactor, PricingTable
from aiprod_assets.costing.pricing import gpu_usd_per_second

PRIOR_MODEL_FILE = Path(__file__).parent / "data" / "prior_model.json"


def load_coefficients(path: str | Path | None = None) -> dict[str, Any]:
    return json.loads(Path(path or PRIOR_MODEL_FILE).read_text("utf-8"))


@dataclass(frozen=True)
class ComputeProfile:
    """How a self-hosted backend runs: the parameters of the model besides the job."""

    gpu_model: str = "A100"
    quantization: str = "FP16"
    batch_size: int = 1
    gpu_count: int = 1
    framework: str = "pytorch"
    spot: bool = False


@dataclass(frozen=True)
class Prediction:
    usd: float
    factors: list[CostFactor] = field(default_factory=list)


def batch_multiplier(coefficients: dict[str, Any], batch_size: int) -> float:
    """1.0 at batch 1, falling as a power law with larger batches, never under the floor."""
    spec = coefficients["batch_efficiency"]
    return max(spec["floor"], batch_size ** -spec["exponent"])


def _table_lookup(coefficients: dict[str, Any], table: str, key: str) -> float:
    values = coefficients[table]
    if key not in values:
        raise KeyError(f"{table} {key!r} is not in the cost model; known: {', '.join(values)}")
    return float(values[key])


def predict_self_hosted(coefficients: dict[str, Any], pricing: PricingTable, complexity: float,
                        duration_sec: float, resolution: str, compute: ComputeProfile) -> Prediction:
    if compute.batch_size < 1 or compute.gpu_count < 1:
        raise ValueError("batch_size and gpu_count must be at least 1")
    base = coefficients["base"]["gpu_seconds_per_output_second"]
    gpu_sec_per_out_sec = base["intercept"] + base["complexity_slope"] * complexity
    rate = gpu_usd_per_second(pricing, compute.gpu_model)
    spot = 1.0 - coefficients["spot_discount"] if compute.spot else 1.0
    factors = [
        CostFactor(name="base_rate", value=f"complexity {complexity:.3f}",
                   multiplier=round(gpu_sec_per_out_sec, 6),
                   explanation=f"{base['intercept']:g} + {base['complexity_slope']:g} x complexity GPU-s per output second"),
        CostFactor(name="duration", value=f"{duration_sec:g} s", multiplier=float(duration_sec),
                   explanation="seconds of output"),
        CostFactor(name="resolution", value=resolution,
                   multiplier=_table_lookup(coefficients["base"], "resolution_scale", resolution),
                   explanation="pixels per frame relative to 1080p"),
        CostFactor(name="gpu_model", value=compute.gpu_model, multiplier=round(rate, 9),
                   explanation=f"USD per GPU-second ({pricing.gpus[compute.gpu_model].usd_per_hour:g}/h, pricing {pricing.version})"),
        CostFactor(name="quantization", value=compute.quantization,
                   multiplier=_table_lookup(coefficients, "quantization", compute.quantization),
                   explanation="relative compute per step"),
        CostFactor(name="batch_efficiency", value=str(compute.batch_size),
                   multiplier=round(batch_multiplier(coefficients, compute.batch_size), 6),
                   explanation="normalized so batch 1 costs 1.0x"),
        CostFactor(name="multi_gpu_overhead", value=str(compute.gpu_count),
                   multiplier=1.0 + coefficients["multi_gpu_overhead_per_extra_gpu"] * (compute.gpu_count - 1),
                   explanation=f"{coefficients['multi_gpu_overhead_per_extra_gpu']:.0%} per extra GPU"),
        CostFactor(name="framework", value=compute.framework,
                   multiplier=_table_lookup(coefficients, "framework", compute.framework),
                   explanation="inference framework speed relative to plain pytorch"),
        CostFactor(name="spot", value=str(compute.spot).lower(), multiplier=round(spot, 6),
                   explanation=f"{coefficients['spot_discount']:.0%} discount on spot capacity" if compute.spot else "on-demand"),
    ]
    usd = 1.0
    for factor in factors:
        usd *= factor.multiplier
    return Prediction(usd=usd, factors=factors)
