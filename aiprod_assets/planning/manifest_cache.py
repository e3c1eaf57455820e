"""The manifest cache: a model's plan reused for the same brief, planner and budget within its TTL.

Keyed by the normalized prompt, the budget, the fallback setting and the planner
version, plus the other creative fields of the brief (duration, style, characters,
route), since a plan made for another style would be a wrong hit. A budget change is
a miss. Entries live at ``cache/manifests/<key>.json``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pydantic import Field

from aiprod_assets.canonical import digest_of, pretty_json
from aiprod_assets.contracts import Artefact, PlannerUsage, SanitizedInput
from aiprod_assets.layout import Store, manifest_cache_key
from aiprod_assets.planning.model_plan import ModelPlan

DEFAULT_TTL_HOURS = 168.0


class CachedPlan(Artefact):
    key: str
    created_at: str
    planner_version: str
    plan: ModelPlan
    usage: PlannerUsage
    # The model's safety verdict on the brief, which a cache hit must carry on as the first answer did.
    safety: list[str] = Field(default_factory=list)


def normalized_prompt(prompt: str) -> str:
    return " ".join(prompt.lower().split())


def cache_key(sanitized: SanitizedInput, fallback_to_local: bool, planner_version: str) -> str:
    brief = sanitized.brief
    return digest_of({
        "prompt": normalized_prompt(brief.prompt), "budget_usd": brief.budget_usd,
        "fallback_to_local": fallback_to_local, "planner_version": planner_version,
        "duration_sec": brief.duration_sec, "style": brief.style.model_dump(mode="json"),
        "characters": [c.model_dump(mode="json") for c in brief.characters], "route": sanitized.route,
    })


def cached_plan(store: Store, key: str, ttl_hours: float = DEFAULT_TTL_HOURS,
                now: datetime | None = None) -> CachedPlan | None:
    if not store.exists(manifest_cache_key(key)):
        return None
    entry = CachedPlan.model_validate_json(store.get_bytes(manifest_cache_key(key)))
    age = (now or datetime.now(timezone.utc)) - datetime.fromisoformat(entry.created_at)
    return entry if age <= timedelta(hours=ttl_hours) else None


def store_plan(store: Store, key: str, planner_version: str, plan: ModelPlan, usage: PlannerUsage,
               now: datetime | None = None, safety: list[str] | None = None) -> None:
    stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    entry = CachedPlan(key=key, created_at=stamp, planner_version=planner_version, plan=plan, usage=usage,
                       safety=safety or [])
    store.put_bytes(manifest_cache_key(key), pretty_json(entry).encode())
