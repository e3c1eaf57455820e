"""previz as a render backend: the embedded torch renderer on the injected device, in this process or in
the device worker a CLI command started (rendering/previz/device_worker.py)."""

from __future__ import annotations

from pathlib import Path

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.failures import RetryableRenderError
from aiprod_assets.rendering.backend import RenderRequest, RenderResult


class PrevizBackend:
    name = "previz"
    version = PREVIZ_VERSION

    def __init__(self, device, worker=None, setting: tuple[str, int] = ("auto", 0)):
        """``device`` is the torch.device to render on here; with a ``worker``, the name of the device it
        resolved from ``setting`` (the gpu resource's device and threads)."""
        self.device, self.worker, self.setting = device, worker, setting

    @property
    def renders_elsewhere(self) -> bool:
        """True when the clips are drawn and encoded in the device worker, not in this process."""
        return self.worker is not None

    def render(self, request: RenderRequest) -> RenderResult:
        try:
            ahead = False
            if self.worker is not None:
                seconds, encoded, ahead = self.worker.render(
                    request.job_id, request.shot, request.profile, Path(request.out_path), *self.setting,
                    on_frame=request.on_frame, on_turn=request.on_turn, measure=request.measure_pictures)
            else:
                from aiprod_assets.rendering.previz.renderer import render_measured

                seconds, encoded = render_measured(request.job_id, request.shot, request.profile,
                                                   Path(request.out_path), self.device, request.on_frame,
                                                   request.measure_pictures)
        except RuntimeError as err:
            if "out of memory" in str(err).lower():
                raise RetryableRenderError(f"CUDA out of memory on {self.device}") from err
            raise
        return RenderResult(render_seconds=seconds, device=str(self.device), encoded=encoded, rendered_ahead=ahead)
