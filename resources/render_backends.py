"""The render backends a deployment has, by name: previz on the injected device, and remote providers.

A provider is available when its settings are given; its key comes from the environment
(``dg.EnvVar``) and is handed to the provider's SDK, never logged or stored.
"""

from pathlib import Path

import dagster as dg
from pydantic import Field

from aiprod_assets.planning.backends import BACKEND_VERSIONS
from aiprod_assets.rendering.backend import (
    RenderRequest,
    RenderResult,
    RetryableRenderError,
)
from resources.gpu import TorchDevice


class PrevizBackend:
    """The embedded torch renderer on the injected device."""

    name = "previz"

    def __init__(self, device):
        from aiprod_assets.rendering.previz.renderer import PREVIZ_VERSION

        self.device = device
        self.version = PREVIZ_VERSION

    def render(self, request: RenderRequest) -> RenderResult:
        from aiprod_assets.rendering.previz.renderer import render_previz_clip

        try:
            seconds = render_previz_clip(request.job_id, request.shot, request.profile, Path(request.out_path),
                                         self.device)
        except RuntimeError as err:
            if "out of memory" in str(err).lower():
                raise RetryableRenderError(f"CUDA out of memory on {self.device}") from err
            raise
        return RenderResult(render_seconds=seconds, device=str(self.device))


class ProviderSettings(dg.Config):
    """One remote provider: where it is, which model, and how hard to push it."""

    api_key: str | None = Field(default=None, description="set with dg.EnvVar; never a literal")
    model: str | None = Field(default=None, description="the provider's model; a per-backend default if unset")
    base_url: str | None = Field(default=None, description="the API endpoint, if not the provider's own")
    requests_per_minute: int = Field(default=60, ge=1)
    poll_interval_sec: float = Field(default=5.0, gt=0)
    timeout_sec: float = Field(default=900.0, gt=0, description="a task unfinished this long after submission "
                                                                "is abandoned (and cancelled where possible)")
    http_timeout_sec: float = Field(default=60.0, gt=0)


class VeoSettings(ProviderSettings):
    project: str | None = Field(default=None, description="Vertex AI project, when no API key is given")
    location: str | None = "us-central1"


class RenderBackends(dg.ConfigurableResource):
    """Resolves a backend name from the cost estimate's chain to a backend that can render."""

    gpu: dg.ResourceDependency[TorchDevice]
    veo: VeoSettings | None = None
    runway: ProviderSettings | None = None
    replicate: ProviderSettings | None = None

    def available(self) -> list[str]:
        return ["previz"] + [name for name in ("veo", "runway", "replicate") if getattr(self, name) is not None]

    def backend(self, name: str, store=None, on_event=lambda message: None):
        """``store`` holds the provider task journal; remote backends need it."""
        if name == "previz":
            return PrevizBackend(self.gpu.torch_device())
        settings = getattr(self, name, None) if name in ("veo", "runway", "replicate") else None
        if settings is None:
            raise KeyError(f"render backend {name!r} is not available in this deployment; "
                           f"available: {', '.join(self.available())}")
        if store is None:
            raise ValueError(f"render backend {name!r} needs the artifact store for its provider task journal")
        from aiprod_assets.media.encode import choose_encoder
        from aiprod_assets.rendering.providers.rate_limit import limiter_for
        from aiprod_assets.rendering.providers.remote import (
            PollingLimits,
            RemoteBackend,
        )
        from aiprod_assets.rendering.providers.tasks import TaskJournal

        return RemoteBackend(
            self._adapter(name, settings), TaskJournal(store), limiter_for(name, settings.requests_per_minute),
            PollingLimits(poll_interval_sec=settings.poll_interval_sec, timeout_sec=settings.timeout_sec),
            encoder=choose_encoder(self.gpu.torch_device().type), on_event=on_event)

    def _adapter(self, name: str, settings: ProviderSettings):
        model = settings.model or BACKEND_VERSIONS[name]
        common = {"model": model, "base_url": settings.base_url, "http_timeout_sec": settings.http_timeout_sec}
        if name == "veo":
            from aiprod_assets.rendering.providers.veo import VeoAdapter

            if not settings.api_key and not settings.project:
                raise ValueError("veo needs an API key (GOOGLE_API_KEY) or a Vertex AI project")
            return VeoAdapter(api_key=settings.api_key, project=settings.project, location=settings.location,
                              **common)
        if not settings.api_key:
            raise ValueError(f"{name} needs an API key from the environment")
        if name == "runway":
            from aiprod_assets.rendering.providers.runway import RunwayAdapter

            return RunwayAdapter(api_key=settings.api_key, **common)
        from aiprod_assets.rendering.providers.replicate_models import ReplicateAdapter

        return ReplicateAdapter(api_token=settings.api_key, **common)
