"""The render backends a deployment has, by name. Remote providers join this registry later."""

from pathlib import Path

import dagster as dg

from aiprod_assets.rendering.backend import RenderRequest, RenderResult, RetryableRenderError
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


class RenderBackends(dg.ConfigurableResource):
    """Resolves a backend name from the cost estimate's chain to a backend that can render."""

    gpu: dg.ResourceDependency[TorchDevice]

    def backend(self, name: str):
        if name == "previz":
            return PrevizBackend(self.gpu.torch_device())
        raise KeyError(f"render backend {name!r} is not available in this deployment; available: previz")
