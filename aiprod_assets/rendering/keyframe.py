"""One storyboard keyframe of a shot, drawn by previz at thumbnail size: there as soon as the shot list is."""

from __future__ import annotations

from aiprod_assets.contracts import RenderProfile, Shot
from aiprod_assets.media.preview import preview_jpeg

KEYFRAME_WIDTH = 320


def keyframe_jpeg(shot: Shot, profile: RenderProfile) -> bytes:
    import torch

    from aiprod_assets.rendering.previz.scene import PrevizScene

    height = max(2, round(profile.height * KEYFRAME_WIDTH / profile.width / 2) * 2)
    small = profile.model_copy(update={"width": KEYFRAME_WIDTH, "height": height})
    scene = PrevizScene(shot.spec, small, shot.seed, torch.device("cpu"))
    return preview_jpeg(scene.frame(shot.spec.frames // 2), width=KEYFRAME_WIDTH, quality=80)
