"""The creative director turns a sanitized brief into a production manifest.

The local planner is the embedded default; Gemini comes behind the same interface.
"""


from abc import ABC, abstractmethod

import dagster as dg
from pydantic import Field

from aiprod_assets.contracts import PlannerUsage, ProductionManifest, SanitizedInput
from resources.artifact_store import ArtifactStore

GEMINI_PLANNER_VERSION = "gemini-1"


class CreativeDirector(dg.ConfigurableResource, ABC):
    @abstractmethod
    def plan(self, sanitized: SanitizedInput) -> ProductionManifest: ...


class LocalCreativeDirector(CreativeDirector):
    """Deterministic, offline: the same brief always gives the same manifest."""

    def plan(self, sanitized: SanitizedInput) -> ProductionManifest:
        from aiprod_assets.planning.local_planner import plan_production

        return plan_production(sanitized)


class GeminiCreativeDirector(CreativeDirector):
    """Gemini plans the scenes with structured output; answers are repaired or retried a bounded number of
    times, plans are cached for a week, and the tokens spent are recorded as orchestration cost."""

    store: dg.ResourceDependency[ArtifactStore]
    api_key: str = Field(description="set with dg.EnvVar('GEMINI_API_KEY'); never a literal")
    model: str = "gemini-2.5-flash"
    base_url: str | None = Field(default=None, description="the API endpoint, if not Google's own")
    max_attempts: int = Field(default=3, ge=1, description="answers per plan, first included, before failing")
    api_attempts: int = Field(default=4, ge=1, description="tries per request on 429, 5xx or a lost connection")
    cache_ttl_hours: float = Field(default=168.0, ge=0)
    fallback_to_local: bool = Field(default=False, description="plan locally when the model never answers usably")
    usd_per_million_input_tokens: float = Field(default=0.30, ge=0)
    usd_per_million_output_tokens: float = Field(default=2.50, ge=0)
    http_timeout_sec: float = Field(default=120.0, gt=0)

    @property
    def planner_version(self) -> str:
        return f"{GEMINI_PLANNER_VERSION}:{self.model}"

    def plan(self, sanitized: SanitizedInput) -> ProductionManifest:
        import json
        from aiprod_assets.planning.manifest_cache import cache_key, cached_plan, store_plan
        from aiprod_assets.planning.model_director import PlannerFailed, plan_with_model
        from aiprod_assets.planning.model_plan import ModelPlan, manifest_from_plan
        from resources.gemini import ask_for_json, gemini_client, with_backoff

        key = cache_key(sanitized, self.fallback_to_local, self.planner_version)
        entry = cached_plan(self.store, key, self.cache_ttl_hours)
        if entry is not None:
            usage = PlannerUsage(model=self.model, calls=0, input_tokens=0, output_tokens=0, orchestration_usd=0.0)
            return manifest_from_plan(entry.plan, sanitized, "gemini", self.planner_version, usage, cache_hit=True)
        client = gemini_client(self.api_key, self.base_url, self.http_timeout_sec)
        schema = ModelPlan.model_json_schema()
        try:
            plan, conversation = plan_with_model(
                sanitized, lambda turns: with_backoff(lambda: ask_for_json(client, self.model, turns, schema),
                                                      self.api_attempts), self.max_attempts)
        except PlannerFailed as err:
            failure_key = f"jobs/{sanitized.job_id}/planner_failure.json"
            record = {"model": self.model, "error": str(err), "answers": err.conversation.answers}
            self.store.put_bytes(failure_key, json.dumps(record, indent=2, ensure_ascii=False).encode())
            if self.fallback_to_local:
                return LocalCreativeDirector().plan(sanitized)
            raise PlannerFailed(f"{err}; every answer is kept in {self.store.uri(failure_key)}",
                                err.conversation) from err
        usage = conversation.usage(self.model, self.usd_per_million_input_tokens, self.usd_per_million_output_tokens)
        store_plan(self.store, key, self.planner_version, plan, usage)
        return manifest_from_plan(plan, sanitized, "gemini", self.planner_version, usage, cache_hit=False)
