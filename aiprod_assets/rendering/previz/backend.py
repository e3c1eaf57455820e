"""previz as a render backend: the embedded torch renderer on the injected device."""

from __future__ import annotations

from pathlib import Path

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.failures import RetryableRenderError
from aiprod_assets.rendering.backend import RenderRequest, RenderResult


class PrevizBackend:
    name = "previz"
    version = PREVIZ_VERSION

    def __init__(self, device):
        self.device = device

    def render(self, request: RenderRequest) -> RenderResult:
        from aiprod_assets.rendering.previz.renderer import render_previz_clip

        try:
            seconds = render_previz_clip(request.job_id, request.shot, request.profile, Path(request.out_path),
                                         self.device, on_frame=request.on_frame)
        except RuntimeError as err:
            if "out of memory" in str(err).lower():
                raise RetryableRenderError(f"CUDA out of memory on {self.device}") from err
            raise
        return RenderResult(render_seconds=seconds, device=str(self.device))
