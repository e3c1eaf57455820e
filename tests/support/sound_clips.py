"""One-second previz clips (360p24) for the sound tests: two shots, and the first again with its lighting edited
(the same sound, other pictures) and with another mood (another sound)."""

import torch

from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from tests.support.shots import make_shot

PROFILE = render_profile("360p", "16:9", 24)


def _shot(shot_id, index, lighting="natural", mood="serene"):
    shot = make_shot(frames=24, lighting=lighting, mood=mood, seed=5 + index)
    return shot.model_copy(update={"shot_id": shot_id, "scene_id": shot_id[:3], "index": index,
                                   "spec": shot.spec.model_copy(update={"duration_sec": 1.0})})


def render_sound_clips(folder, job_id: str) -> dict:
    """{"first", "second", "first-night", "first-tense"}: (shot, clip path)."""
    made = {}
    for name, shot in {"first": _shot("s01-01", 0), "second": _shot("s02-01", 1),
                       "first-night": _shot("s01-01", 0, lighting="night"),
                       "first-tense": _shot("s01-01", 0, mood="tense")}.items():
        path = folder / f"{name}.mp4"
        render_previz_clip(job_id, shot, PROFILE, path, torch.device("cpu"))
        made[name] = (shot, path)
    return made
