"""The final cut's own QA: the technical checks and the shots a viewer sees.

A cut copied from its clips is judged from the clips' kept measurements and a decode of its crossfades
alone (qa/cut_scan.py); a cut encoded whole, or one whose parts cannot be matched to its packets, is
decoded once for both the checks and the shot count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aiprod_assets.contracts import CheckResult, ShotList
from aiprod_assets.qa.cut_scan import CannotCompose, Span, compose_cut_scan
from aiprod_assets.qa.cuts import count_segments, segments_from_changes, thumbnail
from aiprod_assets.qa.frame_stats import FrameStats
from aiprod_assets.qa.scan import scan
from aiprod_assets.qa.sound_measures import SoundMemo
from aiprod_assets.qa.technical import Expectations, check_file, technical_checks
from aiprod_assets.rendering.transitions import crossfade_frames


@dataclass
class CutVerdict:
    checks: list[CheckResult]
    segments: int
    starts: list[int]
    composed: bool  # from the clips' measurements, without decoding what was copied
    how: str  # how it was judged: what was composed, or why the cut was decoded instead


def judge_cut(cut: Path, spans: list[Span] | None, shot_list: ShotList, clip_paths: set[Path],
              kept_stats: Callable[[Path], FrameStats | None], sounds: SoundMemo | None = None) -> CutVerdict:
    """``kept_stats`` gives a clip's kept per-frame measurements; the crossfades' encodes are measured here.
    ``sounds`` keeps what was measured of a sound (an edit that keeps every shot's sound makes the same one)."""
    profile = shot_list.profile
    expect = Expectations(profile, target_duration_sec=shot_list.total_frames / profile.fps)
    fade = crossfade_frames(profile, min(s.spec.frames for s in shot_list.shots))
    why = "encoded whole"
    if spans is not None:
        try:
            composed = compose_cut_scan(
                cut, spans, lambda path: kept_stats(path) if path in clip_paths else scan(path, keep_frames=True).frames,
                sounds)
            segments, starts = segments_from_changes(composed.thumb_changes, composed.picture, shot_list.shots, fade)
            copied = sum(s.frames for s in spans if s.path in clip_paths)
            return CutVerdict(checks=technical_checks(composed.media, expect), segments=segments, starts=starts,
                              composed=True,
                              how=f"composed from the clips' measurements ({copied} copied frames not decoded)")
        except CannotCompose as err:
            why = f"decoded: {err}"
    thumbnails: list[np.ndarray] = []
    checks = check_file(cut, expect, on_frame=lambda frame: thumbnails.append(thumbnail(frame)), sounds=sounds)
    segments, starts = count_segments(thumbnails, shot_list.shots, fade)
    return CutVerdict(checks=checks, segments=segments, starts=starts, composed=False, how=why)
