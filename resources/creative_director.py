"""The creative director turns a sanitized brief into a production manifest.

The local planner is the embedded default; Gemini comes behind the same interface.
"""


from abc import ABC, abstractmethod

import dagster as dg

from aiprod_assets.contracts import ProductionManifest, SanitizedInput


class CreativeDirector(dg.ConfigurableResource, ABC):
    @abstractmethod
    def plan(self, sanitized: SanitizedInput) -> ProductionManifest: ...


class LocalCreativeDirector(CreativeDirector):
    """Deterministic, offline: the same brief always gives the same manifest."""

    def plan(self, sanitized: SanitizedInput) -> ProductionManifest:
        from aiprod_assets.planning.local_planner import plan_production

        return plan_production(sanitized)
