"""A brief's storyboard before anything renders: the local planner's shots, each drawn by previz at its
middle frame, on one sheet. docs/previz/ keeps the examples' sheets; tests compare them."""

from __future__ import annotations

import hashlib

import av
import numpy as np

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.contracts import BriefRecord, ShotList
from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.planning.local_planner import plan_production
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.planning.shots import build_shot_list
from aiprod_assets.rendering.contact_sheet import sheet_of
from aiprod_assets.rendering.previz.scene import PrevizScene

THUMB_WIDTH = 320


def planned_shots(brief_json: str, job_id: str) -> ShotList:
    record = BriefRecord(job_id=job_id, source="storyboard", content=brief_json,
                         sha256=hashlib.sha256(brief_json.encode()).hexdigest())
    sanitized = sanitize(record, budget_cap_usd=1e9)
    brief = sanitized.brief
    profile = render_profile(brief.resolution, brief.aspect_ratio, brief.fps)
    return build_shot_list(plan_production(sanitized), profile, "previz", PREVIZ_VERSION)


def yuv_to_rgb(yuv420p: np.ndarray) -> np.ndarray:
    return av.VideoFrame.from_ndarray(yuv420p, format="yuv420p").to_ndarray(format="rgb24")


def middle_frames(shots: ShotList, device, width: int = THUMB_WIDTH) -> list[tuple[str, np.ndarray]]:
    """Each shot's middle frame as previz draws it, ``width`` pixels wide, RGB."""
    profile = shots.profile
    height = max(2, round(profile.height * width / profile.width / 2) * 2)
    small = profile.model_copy(update={"width": width, "height": height})
    frames = []
    for shot in shots.shots:
        yuv = PrevizScene(shot.spec, small, shot.seed, device).frame(shot.spec.frames // 2)
        frames.append((shot.shot_id, yuv_to_rgb(yuv)))
    return frames


def storyboard_sheet(shots: ShotList, device, width: int = THUMB_WIDTH) -> np.ndarray:
    return sheet_of(middle_frames(shots, device, width))
