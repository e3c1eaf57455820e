"""The QA gate of one shot: technical checks and the semantic score, against its spec and profile."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiprod_assets.contracts import CheckResult, RenderProfile, Shot, ShotSemanticScore
from aiprod_assets.qa.semantic import (
    SCORE_THRESHOLD,
    ClipPictures,
    PictureCollector,
    score_shot,
)
from aiprod_assets.qa.technical import Expectations, check_file


@dataclass
class ShotVerdict:
    technical: list[CheckResult]
    semantic: ShotSemanticScore

    @property
    def technical_failures(self) -> list[str]:
        return [c.id for c in self.technical if not c.passed]

    @property
    def passed(self) -> bool:
        return not self.technical_failures and self.semantic.verdict == "pass"


def shot_expectations(shot: Shot, profile: RenderProfile) -> Expectations:
    # A static camera asks for a still picture: after encoding, a calm static shot can hold one.
    return Expectations(profile=profile, target_duration_sec=shot.spec.duration_sec,
                        frozen_allowed=shot.spec.camera_move == "static")


Measure = Callable[[str | Path, Expectations, int], tuple[list[CheckResult], ClipPictures]]


def measure_once(path: str | Path, expect: Expectations, frames: int) -> tuple[list[CheckResult], ClipPictures]:
    """The technical checks and the semantic pictures from one decode of the file."""
    collector = PictureCollector(frames)
    return check_file(path, expect, on_frame=collector.add), collector.pictures()


def judge_shot(path: str | Path, shot: Shot, profile: RenderProfile, semantic_threshold: float = SCORE_THRESHOLD,
               measure: Measure = measure_once) -> ShotVerdict:
    """``measure`` may keep what it measured (qa/cache.py), so the QA assets need not decode the clip again."""
    technical, pictures = measure(path, shot_expectations(shot, profile), shot.spec.frames)
    semantic = score_shot(shot.shot_id, shot.spec, pictures, threshold=semantic_threshold)
    return ShotVerdict(technical=technical, semantic=semantic)
