"""What the device worker does with its requests: torch and the previz renderer are imported as it starts,
while its parent is still loading Dagster, so the first request finds them ready."""

from __future__ import annotations

from pathlib import Path

import torch

from aiprod_assets.media.preview import preview_frame
from aiprod_assets.media.torch_device import describe_device, resolve_device
from aiprod_assets.qa.as_encoded import EncodedPictures
from aiprod_assets.rendering.previz.renderer import render_measured


class DeviceWork:
    def __init__(self):
        self._devices: dict[tuple[str, int], torch.device] = {}

    def device(self, setting: str, threads: int) -> torch.device:
        if (setting, threads) not in self._devices:
            self._devices[setting, threads] = resolve_device(setting, threads)
        return self._devices[setting, threads]

    def describe(self, setting: str, threads: int) -> tuple[str, str]:
        device = self.device(setting, threads)
        return str(device), describe_device(device)

    def render(self, job_id: str, shot, profile, out_path: Path, setting: str, threads: int, every: int,
               preview, measure: bool = False, between_frames=None) -> tuple[float, EncodedPictures | None]:
        """The clip's render seconds, and with ``measure`` its pictures measured as they were encoded;
        ``preview(index, frame)`` gets every ``every``-th frame as its preview (media/preview.py: a few
        kilobytes, sent or held instead of the frame); ``between_frames()`` is called before each frame is
        encoded (raising there stops the render)."""
        on_frame = None
        if preview is not None or between_frames is not None:
            def on_frame(index: int, frame) -> None:
                if between_frames is not None:
                    between_frames()
                if preview is not None and index % every == 0:
                    preview(index, preview_frame(frame))
        return render_measured(job_id, shot, profile, out_path, self.device(setting, threads), on_frame, measure)
