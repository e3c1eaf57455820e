"""An optional vision judge for semantic QA: a model's score and reasons beside the local measurements.

Off by default: the embedded deployment judges with local measurements only. The Gemini
judge (google-genai) switches on by configuration.
"""

from abc import ABC, abstractmethod

import dagster as dg
import numpy as np
from dagster import get_dagster_logger
from pydantic import Field

from aiprod_assets.contracts import JudgeVerdict, Shot


class VisionJudge(dg.ConfigurableResource, ABC):
    @abstractmethod
    def judge(self, shot: Shot, frames: list[np.ndarray]) -> JudgeVerdict | None:
        """Score sampled RGB frames (0-1 floats) of a shot against its spec; None to abstain."""


class NoVisionJudge(VisionJudge):
    """Local measurements only."""

    def judge(self, shot: Shot, frames: list[np.ndarray]) -> JudgeVerdict | None:
        return None


JUDGE_SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "number", "minimum": 0, "maximum": 1},
                   "reasons": {"type": "array", "items": {"type": "string"}, "maxItems": 5}},
    "required": ["score", "reasons"],
}


def judge_prompt(shot: Shot, count: int) -> str:
    spec = shot.spec
    return (f"These {count} frames are sampled in order from one shot of a film. Score from 0 to 1 how well the "
            f"shot matches its specification, and give short reasons for what does not.\n"
            f"Prompt: {spec.prompt}\nCamera move: {spec.camera_move}\nLighting: {spec.lighting}\n"
            f"Mood: {spec.mood}\nPalette: {', '.join(spec.palette)}\n"
            f"Characters: {', '.join(spec.characters) or 'none'}")


class GeminiVisionJudge(VisionJudge):
    """Gemini looks at frames sampled from each shot and scores them against the shot's spec, with reasons.
    A failed or unreadable answer abstains, so the local measurements decide alone."""

    api_key: str = Field(description="set with dg.EnvVar('GEMINI_API_KEY'); never a literal")
    model: str = "gemini-2.5-flash"
    base_url: str | None = None
    frames_per_shot: int = Field(default=4, ge=1, le=16)
    http_timeout_sec: float = Field(default=60.0, gt=0)

    def judge(self, shot: Shot, frames: list[np.ndarray]) -> JudgeVerdict | None:
        import json

        from aiprod_assets.media.png import encode_png
        from resources.gemini import ask_for_json, gemini_client

        if not frames:
            return None
        picks = sorted({round(i * (len(frames) - 1) / max(1, self.frames_per_shot - 1))
                        for i in range(self.frames_per_shot)})
        images = [encode_png((np.clip(frames[i], 0, 1) * 255).astype(np.uint8)) for i in picks]
        try:
            answer = ask_for_json(gemini_client(self.api_key, self.base_url, self.http_timeout_sec), self.model,
                                  [("user", [judge_prompt(shot, len(images)), *images])], JUDGE_SCHEMA, 0.0)
            data = json.loads(answer.text or "")
            score = min(1.0, max(0.0, float(data["score"])))
            reasons = [str(r) for r in data.get("reasons", [])][:5]
        except Exception as err:  # noqa: BLE001 - any failure of the judge means abstaining, and saying why
            get_dagster_logger().warning(f"vision judge abstained on {shot.shot_id}: {type(err).__name__}: {err}")
            return None
        return JudgeVerdict(score=score, reasons=reasons, model=f"gemini:{self.model}")
