"""The backends of a cost estimate's chain, built from what the deployment's render_backends resource has:
previz on the injected device, and each switched-on provider behind its task journal and rate limit."""

from __future__ import annotations

from collections.abc import Callable

from aiprod_assets.backends import backend_version
from aiprod_assets.layout import Store
from aiprod_assets.media.encode import choose_encoder
from aiprod_assets.rendering.backend import RenderBackend
from aiprod_assets.rendering.device import device_name, device_type
from aiprod_assets.rendering.previz.backend import PrevizBackend
from aiprod_assets.rendering.previz.device_worker import warm_worker


def build_chain(names: list[str], backends, store: Store,
                on_event: Callable[[str], None] = lambda message: None,
                quantization: str = "FP16") -> list[RenderBackend]:
    return [build_backend(name, backends, store, on_event, quantization) for name in names]


def shots_at_once(primary: RenderBackend, provider_concurrency: dict[str, int]) -> int:
    """How many of a job's shots are in flight together. A remote provider's: its concurrency limit in
    policy. Previz in the device worker: two, so a shot is judged here while the next one renders there
    (the worker renders one at a time; on 2 cores that made a 60 s 1080p job about a tenth faster). Previz
    in this process: one (policy names no local backend), the device being this process's."""
    if getattr(primary, "renders_elsewhere", False):
        return 2
    return max(1, provider_concurrency.get(primary.name, 1))


def build_backend(name: str, backends, store: Store,
                  on_event: Callable[[str], None] = lambda message: None,
                  quantization: str = "FP16") -> RenderBackend:
    """``backends`` is the render_backends resource: the device, and the settings of each provider.
    ``store`` holds the provider task journal; ``quantization`` (the policy's) is the precision a
    self-hosted model runs at."""
    custom = backends.custom_backend(name)
    if custom is not None:
        return custom
    if name == "previz":
        worker = warm_worker()
        if worker is not None:
            return PrevizBackend(device_name(backends.gpu), worker, (backends.gpu.device, backends.gpu.threads))
        return PrevizBackend(backends.gpu.torch_device())
    if name == "wan":
        from aiprod_assets.rendering.diffusion.backend import (
            DiffusionBackend,
            DiffusionOptions,
        )

        if backends.wan is None:
            raise KeyError("render backend 'wan' is not set up in this deployment: set AIPROD_WAN_MODEL")
        device = backends.gpu.torch_device()
        return DiffusionBackend(DiffusionOptions(**backends.wan.model_dump()), device, quantization,
                                encoder=choose_encoder(device.type))
    settings = backends.settings(name)
    from aiprod_assets.rendering.providers.rate_limit import limiter_for
    from aiprod_assets.rendering.providers.remote import PollingLimits, RemoteBackend
    from aiprod_assets.rendering.providers.tasks import TaskJournal

    return RemoteBackend(
        provider_adapter(name, settings), TaskJournal(store), limiter_for(name, settings.requests_per_minute),
        PollingLimits(poll_interval_sec=settings.poll_interval_sec, timeout_sec=settings.timeout_sec),
        encoder=choose_encoder(device_type(backends.gpu)), on_event=on_event)


def provider_adapter(name: str, settings):
    """The SDK adapter of one provider; each SDK is imported only when its provider is switched on."""
    common = {"model": settings.model or backend_version(name), "base_url": settings.base_url,
              "http_timeout_sec": settings.http_timeout_sec}
    if name == "veo":
        from aiprod_assets.rendering.providers.veo import VeoAdapter

        if not settings.api_key and not settings.project:
            raise ValueError("veo needs an API key (GOOGLE_API_KEY) or a Vertex AI project")
        return VeoAdapter(api_key=settings.api_key, project=settings.project, location=settings.location, **common)
    if not settings.api_key:
        raise ValueError(f"{name} needs an API key from the environment")
    if name == "runway":
        from aiprod_assets.rendering.providers.runway import RunwayAdapter

        return RunwayAdapter(api_key=settings.api_key, **common)
    from aiprod_assets.rendering.providers.replicate_models import ReplicateAdapter

    return ReplicateAdapter(api_token=settings.api_key, **common)
