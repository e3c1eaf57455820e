"""An optional vision judge for semantic QA: a model's score and reasons beside the local measurements.

Off by default: the embedded deployment judges with local measurements only. A Gemini
judge (google-genai) comes behind this interface with the real providers.
"""

from abc import ABC, abstractmethod

import dagster as dg
import numpy as np

from aiprod_assets.contracts import Shot
from aiprod_assets.qa.semantic import JudgeVerdict


class VisionJudge(dg.ConfigurableResource, ABC):
    @abstractmethod
    def judge(self, shot: Shot, frames: list[np.ndarray]) -> JudgeVerdict | None:
        """Score sampled RGB frames (0-1 floats) of a shot against its spec; None to abstain."""


class NoVisionJudge(VisionJudge):
    """Local measurements only."""

    def judge(self, shot: Shot, frames: list[np.ndarray]) -> JudgeVerdict | None:
        return None
