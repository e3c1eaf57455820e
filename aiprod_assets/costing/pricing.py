"""The versioned pricing file: per-GPU hourly rates and per-second API prices."""

from __future__ import annotations

import json
from pathlib import Path

from aiprod_assets.contracts import PricingTable

PRICING_DIR = Path(__file__).parent / "data" / "pricing"


def latest_pricing_file() -> Path:
    # Files are named by effective date, so the lexical maximum is the newest.
    return max(PRICING_DIR.glob("*.json"))


def load_pricing(path: str | Path | None = None) -> PricingTable:
    return PricingTable.model_validate_json(Path(path or latest_pricing_file()).read_text("utf-8"))


def gpu_usd_per_second(pricing: PricingTable, gpu_model: str) -> float:
    if gpu_model not in pricing.gpus:
        raise KeyError(f"gpu_model {gpu_model!r} has no price; priced: {', '.join(pricing.gpus)}")
    return pricing.gpus[gpu_model].usd_per_hour / 3600.0


def api_usd_per_second(pricing: PricingTable, backend: str, resolution: str) -> float:
    prices = pricing.backends[backend].usd_per_second
    if resolution in prices:
        return prices[resolution]
    return prices["default"]
