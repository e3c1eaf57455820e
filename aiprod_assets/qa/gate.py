"""The QA gate of one shot: technical checks and the semantic score, against its spec and profile."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiprod_assets.contracts import CheckResult, RenderProfile, Shot, ShotSemanticScore
from aiprod_assets.qa.semantic import SCORE_THRESHOLD, read_pictures, score_shot
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


def judge_shot(path: str | Path, shot: Shot, profile: RenderProfile, semantic_threshold: float = SCORE_THRESHOLD,
               technical_checks: Callable[[str | Path, Expectations], list[CheckResult]] = check_file) -> ShotVerdict:
    """``technical_checks`` may keep its results (qa/cache.py), so the QA assets need not decode the clip again."""
    technical = technical_checks(path, shot_expectations(shot, profile))
    semantic = score_shot(shot.shot_id, shot.spec, read_pictures(path), threshold=semantic_threshold)
    return ShotVerdict(technical=technical, semantic=semantic)
