"""Planning a job's production manifest: locally, or with a model through the creative director.

With a model, a plan cached for the same brief is reused within its TTL; otherwise the model
is asked, its answers repaired or asked again a bounded number of times, and every answer is
kept in ``jobs/<id>/planner_failure.json`` when no usable plan comes. The director may fall
back to the local planner.
"""

from __future__ import annotations

import json
from typing import Protocol

from aiprod_assets.contracts import (
    ModelAnswer,
    ModerationFlag,
    PlannerUsage,
    ProductionManifest,
    SanitizedInput,
)
from aiprod_assets.layout import Store, planner_failure_key
from aiprod_assets.planning.local_planner import plan_production
from aiprod_assets.planning.manifest_cache import cache_key, cached_plan, store_plan
from aiprod_assets.planning.model_director import PlannerFailed, plan_with_model
from aiprod_assets.planning.model_plan import ModelPlan, manifest_from_plan

MODEL_PLANNER = "gemini"


class ModelDirector(Protocol):
    """A model-backed creative director: its settings, and one structured-output call."""

    model: str
    planner_version: str
    max_attempts: int
    cache_ttl_hours: float
    fallback_to_local: bool
    usd_per_million_input_tokens: float
    usd_per_million_output_tokens: float

    def ask(self, turns: list[tuple[str, str]], schema: dict) -> ModelAnswer: ...


def plan_manifest(sanitized: SanitizedInput, director, store: Store) -> ProductionManifest:
    """The manifest from ``director``: the local planner unless it ``uses_model``."""
    if not director.uses_model:
        return plan_production(sanitized)
    return plan_with_director(sanitized, director, store)


def plan_with_director(sanitized: SanitizedInput, director: ModelDirector, store: Store) -> ProductionManifest:
    version = director.planner_version
    key = cache_key(sanitized, director.fallback_to_local, version)
    entry = cached_plan(store, key, director.cache_ttl_hours)
    if entry is not None:
        usage = PlannerUsage(model=director.model, calls=0, input_tokens=0, output_tokens=0, orchestration_usd=0.0)
        return _with_safety(manifest_from_plan(entry.plan, sanitized, MODEL_PLANNER, version, usage, cache_hit=True),
                            entry.safety, director.model)
    schema = ModelPlan.model_json_schema()
    try:
        plan, conversation = plan_with_model(sanitized, lambda turns: director.ask(turns, schema),
                                             director.max_attempts)
    except PlannerFailed as err:
        failure_key = planner_failure_key(sanitized.job_id)
        record = {"model": director.model, "error": str(err), "answers": err.conversation.answers}
        store.put_bytes(failure_key, json.dumps(record, indent=2, ensure_ascii=False).encode())
        if director.fallback_to_local:
            return plan_production(sanitized)
        raise PlannerFailed(f"{err}; every answer is kept in {store.uri(failure_key)}", err.conversation) from err
    usage = conversation.usage(director.model, director.usd_per_million_input_tokens,
                               director.usd_per_million_output_tokens)
    store_plan(store, key, version, plan, usage, safety=conversation.safety)
    return _with_safety(manifest_from_plan(plan, sanitized, MODEL_PLANNER, version, usage, cache_hit=False),
                        conversation.safety, director.model)


def _with_safety(manifest: ProductionManifest, categories: list[str], model: str) -> ProductionManifest:
    """The model's safety verdict as soft moderation flags: a person approves before paid renders."""
    return manifest.model_copy(update={"safety": [
        ModerationFlag(category=category, severity="soft", field="brief", evidence=f"{model} safety rating",
                       source=f"{model} safety verdict") for category in categories]})
