"""The versioned pricing file: per-GPU hourly rates and per-second API prices."""

from __future__ import annotations

from pathlib import Path

from aiprod_assets.contracts import PricingTable
from aiprod_assets.layout import STORED_PRICING_KEY, Store

PRICING_DIR = Path(__file__).parent / "data" / "pricing"


def latest_pricing_file() -> Path:
    # Files are named by effective date, so the lexical maximum is the newest.
    return max(PRICING_DIR.glob("*.json"))


def pricing_history() -> list[PricingTable]:
    """Every bundled pricing file, oldest first: where list prices stepped."""
    return [load_pricing(path) for path in sorted(PRICING_DIR.glob("*.json"))]


def load_pricing(path: str | Path | None = None) -> PricingTable:
    return PricingTable.model_validate_json(Path(path or latest_pricing_file()).read_text("utf-8"))


def current_pricing(store: Store, path: str | Path | None = None) -> PricingTable:
    """The pricing_table asset's latest value when it has been materialized, else the pricing file."""
    if path is None and store.exists(STORED_PRICING_KEY):
        return PricingTable.model_validate_json(store.get_bytes(STORED_PRICING_KEY))
    return load_pricing(path)


def price_changes(old: PricingTable | None, new: PricingTable) -> list[str]:
    """What differs between two pricing tables, one line per price."""
    if old is None:
        return [f"first pricing table: version {new.version}"]
    changes = []
    for name in sorted(set(old.gpus) | set(new.gpus)):
        before, after = old.gpus.get(name), new.gpus.get(name)
        if (before and before.usd_per_hour) != (after and after.usd_per_hour):
            changes.append(f"gpu {name}: {before.usd_per_hour if before else '-'} -> {after.usd_per_hour if after else '-'} USD/h")
    for name in sorted(set(old.backends) | set(new.backends)):
        before, after = old.backends.get(name), new.backends.get(name)
        if (before and before.usd_per_second) != (after and after.usd_per_second):
            changes.append(f"backend {name}: {before.usd_per_second if before else '-'} -> "
                           f"{after.usd_per_second if after else '-'} USD/s")
    return changes


def gpu_usd_per_second(pricing: PricingTable, gpu_model: str) -> float:
    if gpu_model not in pricing.gpus:
        raise KeyError(f"gpu_model {gpu_model!r} has no price; priced: {', '.join(pricing.gpus)}")
    return pricing.gpus[gpu_model].usd_per_hour / 3600.0


def api_usd_per_second(pricing: PricingTable, backend: str, resolution: str) -> float:
    prices = pricing.backends[backend].usd_per_second
    if resolution in prices:
        return prices[resolution]
    return prices["default"]
