"""The creative director: who plans a job's scenes. The resource only holds the planner's settings and,
for a model, makes the call; caching, repair and fallback are planning's (aiprod_assets.planning.director).

The local planner is the embedded default; Gemini comes behind the same interface.
"""


import dagster as dg
from pydantic import Field

from aiprod_assets.contracts import ModelAnswer

GEMINI_PLANNER_VERSION = "gemini-1"


class CreativeDirector(dg.ConfigurableResource):
    """The deterministic local planner: the same brief always gives the same manifest, offline."""

    @property
    def uses_model(self) -> bool:
        return False


class LocalCreativeDirector(CreativeDirector):
    """Deterministic, offline: the same brief always gives the same manifest."""


class GeminiCreativeDirector(CreativeDirector):
    """Gemini plans the scenes with structured output; answers are repaired or retried a bounded number of
    times, plans are cached for a week, and the tokens spent are recorded as orchestration cost."""

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
    def uses_model(self) -> bool:
        return True

    @property
    def planner_version(self) -> str:
        return f"{GEMINI_PLANNER_VERSION}:{self.model}"

    def ask(self, turns: list[tuple[str, str]], schema: dict) -> ModelAnswer:
        """One structured-output request, retried with backoff on 429, 5xx and lost connections."""
        from resources.gemini import ask_for_json, gemini_client, with_backoff

        client = gemini_client(self.api_key, self.base_url, self.http_timeout_sec)
        return with_backoff(lambda: ask_for_json(client, self.model, turns, schema), self.api_attempts)
