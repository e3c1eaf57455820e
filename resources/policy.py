"""Deployment policy: budget cap, switched-on backends, and how self-hosted rendering runs."""


from typing import Literal

import dagster as dg
from pydantic import Field

from aiprod_assets.deployment_settings import (
    DEFAULT_BRIEF_MAX_BYTES,
    DEFAULT_BUDGET_CAP_USD,
)


class ProductionPolicy(dg.ConfigurableResource):
    """Limits and compute settings one deployment applies to every brief."""

    budget_cap_usd: float = Field(default=DEFAULT_BUDGET_CAP_USD, gt=0,
                                  description="largest budget_usd a brief may ask for")
    enabled_backends: list[str] = Field(default_factory=lambda: ["previz"],
                                        description="render backends this deployment may use")
    gpu_model: Literal["CPU", "T4", "A100", "H100", "RTX4090"] = "CPU"
    quantization: Literal["Q4", "Q8", "FP16", "BF16", "FP32"] = "FP16"
    batch_size: int = Field(default=1, ge=1)
    gpu_count: int = Field(default=1, ge=1)
    framework: Literal["pytorch", "tensorrt", "onnxruntime", "deepspeed", "vllm"] = "pytorch"
    spot: bool = False
    pricing_file: str | None = Field(default=None, description="pricing JSON to use instead of the newest bundled one")
    semantic_threshold: float = Field(default=0.6, ge=0, le=1, description="semantic QA score a shot needs to pass")
    remediation_attempts: int = Field(default=2, ge=1, description="renders a shot may take to pass QA, first included")
    backtest_mape_limit_pct: float = Field(default=10.0, gt=0, description="cost model backtest MAPE that fails its check")
    brief_max_bytes: int = Field(default=DEFAULT_BRIEF_MAX_BYTES, ge=1024, description="largest brief accepted, in bytes")
    briefs_per_tick: int = Field(default=50, ge=1, description="briefs the upload sensor handles per tick")
    backtest_min_jobs: int = Field(default=30, ge=1, description="fewer backtested jobs than this only warns")
    provider_concurrency: dict[str, int] = Field(
        default_factory=lambda: {"veo": 4, "runway": 4, "replicate": 4},
        description="shots a remote provider renders at once for one job (its requests per minute are in "
                    "render_backends); previz renders one shot at a time on the device")
    approval: Literal["required", "auto_when_passed", "none"] = Field(
        default="auto_when_passed",
        description="when a person must approve the cut before delivery: always (required), only when QA "
                    "failures were accepted or moderation flagged the job (auto_when_passed), or only for "
                    "moderation flags (none)")
    budget_on: Literal["estimate", "p90"] = Field(
        default="estimate", description="what the budget decision compares with the budget: the estimate, or its "
                                        "p90 (approve only what fits nine times in ten)")
    # The plan's alerts (production_health's checks and the alert sensor).
    daily_limit_usd: float = Field(default=1000.0, gt=0, description="spend a deployment plans for in a day (UTC)")
    alert_cost_fraction: float = Field(default=0.8, gt=0, le=1,
                                       description="committed spend above this share of the daily limit alerts")
    alert_failure_rate: float = Field(default=0.05, ge=0, le=1,
                                      description="a share of failed production runs in a day above this alerts")
    alert_quality_floor: float = Field(default=0.6, ge=0, le=1,
                                       description="a mean quality score of the day's delivered jobs below this alerts")
    alert_min_runs: int = Field(default=1, ge=1, description="finished runs in a day before the failure rate alerts")
