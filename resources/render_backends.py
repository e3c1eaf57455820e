"""The render backends a deployment has: previz and, when set up, a self-hosted diffusers model on the
injected device, and the remote providers it switched on, each with its settings. The backends themselves are built by the rendering stage
(aiprod_assets.rendering.backend_chain); a provider's key comes from the environment (``dg.EnvVar``)
and is handed to its SDK, never logged or stored.
"""

import dagster as dg
from pydantic import Field

from resources.gpu import TorchDevice

PROVIDERS = ("veo", "runway", "replicate")


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


class DiffusionSettings(dg.Config):
    """A self-hosted open text-to-video model through diffusers, on the injected GPU (docs/self-hosted-model.md)."""

    model: str = Field(description="a folder saved with save_pretrained, or a Hugging Face repo id already in "
                                   "the local cache (weights are never downloaded by a render)")
    width: int = Field(default=832, ge=16, multiple_of=16)
    height: int = Field(default=480, ge=16, multiple_of=16)
    fps: int = Field(default=16, ge=1, description="the model's own frame rate; conform retimes to the profile")
    steps: int = Field(default=30, ge=1)
    guidance_scale: float = Field(default=5.0, ge=1.0)
    negative_prompt: str = "blurry, low quality, distorted, watermark, text"
    max_sequence_length: int = Field(default=226, ge=8)
    offload: str = Field(default="auto", pattern="^(auto|on|off)$",
                         description="move models to the CPU between uses: when GPU memory is short (auto), always, never")


class RenderBackends(dg.ConfigurableResource):
    """Which backends of a cost estimate's chain this deployment can render with, and their settings."""

    gpu: dg.ResourceDependency[TorchDevice]
    veo: VeoSettings | None = None
    runway: ProviderSettings | None = None
    replicate: ProviderSettings | None = None
    wan: DiffusionSettings | None = None

    def available(self) -> list[str]:
        return ["previz"] + (["wan"] if self.wan is not None else []) + [
            name for name in PROVIDERS if getattr(self, name) is not None]

    def settings(self, name: str) -> ProviderSettings:
        settings = getattr(self, name) if name in PROVIDERS else None
        if settings is None:
            raise KeyError(f"render backend {name!r} is not available in this deployment; "
                           f"available: {', '.join(self.available())}")
        return settings

    def custom_backend(self, name: str):
        """A backend object to render ``name`` with instead of the built-in one, or None: the place for an
        in-house renderer, and for test doubles."""
        return None
