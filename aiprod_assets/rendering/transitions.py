"""Transitions between shots: how long a crossfade is, and where a clip needs a keyframe so the cut can
copy it from there on instead of encoding it again."""

from __future__ import annotations

from aiprod_assets.contracts import RenderProfile, Shot

CROSSFADE_SEC = 0.5


def crossfade_frames(profile: RenderProfile, shot_frames: int) -> int:
    return max(1, min(int(CROSSFADE_SEC * profile.fps), shot_frames // 2))


def fade_into(shot: Shot, profile: RenderProfile, first: bool) -> int:
    """Frames of ``shot`` that dissolve from the shot before it (0 for a straight cut or the first shot)."""
    if first or shot.transition_in != "crossfade":
        return 0
    return crossfade_frames(profile, shot.spec.frames)


def cut_keyframes(shot: Shot, profile: RenderProfile) -> frozenset[int]:
    """Frames of the clip that must start a closed GOP: the frame right after a crossfade, where the cut
    goes back to copying the clip's own bitstream."""
    fade = fade_into(shot, profile, first=shot.index == 0)
    return frozenset({fade}) if fade else frozenset()
