"""Semantic QA: local measurements of a clip against its shot spec, each mapped to 0-1.

Metric (weight, pass threshold) and what 1.0 means:
- camera_motion (0.30, 0.5): the measured global motion is the asked move.
- palette (0.20, 0.5): dominant colours lie near the shot palette (CIE76 delta E in Lab, lightness
  at half weight because the lighting grade moves it on purpose; 0 at delta E 45).
- exposure (0.20, 0.5): mean luma inside the range the lighting asks for.
- flicker (0.10, 0.5): frame-to-frame brightness jitter under 3 luma levels.
- smoothness (0.15, 0.5): the camera's speed changes gently (little jerk).
- consistency (0.05, 0.5): the shot's mean colour is close to its scene's (set across shots).
- vision_judge (0.25, 0.5), only when a vision judge is configured: the model's own 0-1 score.
The shot's score is the weighted mean; it passes at SCORE_THRESHOLD unless configured otherwise.

Only the vision judge looks at what the frames show. Without one, nothing checks that the shot shows
the prompt's subjects, and the report says so (``coverage``) instead of letting the score imply it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from aiprod_assets.contracts import (
    JudgeVerdict,
    SemanticMetric,
    ShotSemanticScore,
    ShotSpec,
)
from aiprod_assets.media.planes import mean_rgb, rgb_picture
from aiprod_assets.qa.motion import (
    Motion,
    MotionTracker,
    estimate_motion,
    move_agreement,
)

ANALYSIS_WIDTH, ANALYSIS_HEIGHT = 160, 90
MOTION_SAMPLES = 16
SCORE_THRESHOLD = 0.6
WEIGHTS = {"camera_motion": 0.30, "palette": 0.20, "exposure": 0.20, "flicker": 0.10, "smoothness": 0.15,
           "consistency": 0.05}
METRIC_THRESHOLD = 0.5
JUDGE_WEIGHT = 0.25
PALETTE_DELTA_E_ZERO = 45.0
EXPOSURE_RANGES = {"high-key": (0.45, 0.95), "low-key": (0.03, 0.35), "night": (0.02, 0.3), "neon": (0.03, 0.45),
                   "natural": (0.15, 0.8), "studio": (0.2, 0.85), "overcast": (0.15, 0.7),
                   "golden-hour": (0.15, 0.75)}


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) sRGB in 0-1 to CIE Lab (D65)."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    matrix = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = linear @ matrix.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], axis=-1)


def hex_palette_lab(palette: list[str]) -> np.ndarray:
    rgb = np.array([[int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)] for c in palette])
    return srgb_to_lab(rgb)


THUMB_WIDTH = 320  # the contact sheet's picture of each shot


def sheet_picture(frame: av.VideoFrame, width: int = THUMB_WIDTH, bare: bool = False) -> np.ndarray:
    """A frame as the contact sheet shows it: RGB, ``width`` wide, even height (``bare`` as for rgb_picture)."""
    height = round(width * frame.height / frame.width / 2) * 2
    return rgb_picture(frame, width, height, bare)


@dataclass
class ClipPictures:
    rgb: list[np.ndarray]  # sampled frames, (90, 160, 3) in 0-1
    luma_means: list[float]  # every frame, 0-1
    middle: np.ndarray | None = None  # the middle frame, THUMB_WIDTH wide, RGB uint8: the contact sheet's
    # What the score reads of the pictures, measured once per file and kept with them (qa/cache.py): the
    # render's QA gate and the semantic report then share it.
    motion: Motion | None = None
    colours: tuple[np.ndarray, np.ndarray] | None = None  # dominant colours in Lab, and their weights

    def analysed(self) -> ClipPictures:
        if self.motion is None:
            self.motion = estimate_motion([motion_picture(p) for p in self.rgb])
        if self.colours is None:
            self.colours = dominant_colours(self.rgb)
        return self


def motion_picture(rgb: np.ndarray) -> np.ndarray:
    """The small luma picture motion is measured on, from a sampled picture (0-1 RGB)."""
    return np.dot(rgb, [0.2126, 0.7152, 0.0722]) * 255


class PictureCollector:
    """The sampled pictures and per-frame means of a clip, fed one decoded frame at a time (so the technical
    scan's decode can feed it too, or the encoder's reconstructed pictures: ``bare``, see rgb_picture)."""

    def __init__(self, total_frames: int, samples: int = MOTION_SAMPLES, bare: bool = False):
        self.bare = bare
        self.every = max(1, total_frames // samples)
        self.middle_index = total_frames // 2
        self.small: list[np.ndarray] = []
        self.means: list[float] = []
        self.middle: np.ndarray | None = None
        # Measured picture by picture: where the encoder's pictures feed it, beside the render, not after it.
        self.motion = MotionTracker()

    def add(self, frame: av.VideoFrame) -> None:
        index = len(self.means)
        if index % self.every == 0:
            small = rgb_picture(frame, ANALYSIS_WIDTH, ANALYSIS_HEIGHT, self.bare)
            self.small.append(small)
            self.motion.add(motion_picture(small.astype(np.float64) / 255))
        if index == self.middle_index:
            self.middle = sheet_picture(frame, bare=self.bare)
        # Every frame's brightness from a sample of its planes: scaling each whole frame cost more than its decode.
        self.means.append(mean_rgb(frame))

    def pictures(self) -> ClipPictures:
        return ClipPictures(rgb=[p.astype(np.float64) / 255 for p in self.small], luma_means=list(self.means),
                            middle=self.middle, motion=self.motion.result())


def read_pictures(path: str | Path, samples: int = MOTION_SAMPLES) -> ClipPictures:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        collector = PictureCollector(stream.frames or 1, samples)
        for frame in container.decode(stream):
            collector.add(frame)
    return collector.pictures()


def dominant_colours(pictures: list[np.ndarray], k: int = 4, iterations: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """k-means in Lab over the sampled pixels: (centres, weights). Deterministic start."""
    pixels = srgb_to_lab(np.concatenate([p.reshape(-1, 3) for p in pictures])[::7])
    order = np.argsort(pixels[:, 0])
    centres = pixels[order[np.linspace(0, len(order) - 1, k).astype(int)]]
    for _ in range(iterations):
        labels = np.argmin(((pixels[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        centres = np.array([pixels[labels == j].mean(0) if np.any(labels == j) else centres[j] for j in range(k)])
    weights = np.bincount(labels, minlength=k) / len(labels)
    return centres, weights


def palette_score(pictures: list[np.ndarray], palette: list[str],
                  colours: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[float, float]:
    centres, weights = colours if colours is not None else dominant_colours(pictures)
    target = hex_palette_lab(palette)
    scale = np.array([0.5, 1.0, 1.0])
    distances = np.sqrt((((centres[:, None, :] - target[None]) * scale) ** 2).sum(-1)).min(axis=1)
    mean_delta_e = float((distances * weights).sum())
    return max(0.0, 1 - mean_delta_e / PALETTE_DELTA_E_ZERO), mean_delta_e


def exposure_score(luma_means: list[float], lighting: str) -> tuple[float, float]:
    mean = float(np.mean(luma_means))
    low, high = EXPOSURE_RANGES.get(lighting, EXPOSURE_RANGES["natural"])
    outside = max(low - mean, mean - high, 0.0)
    return max(0.0, 1 - outside / 0.2), mean


def flicker_score(luma_means: list[float]) -> tuple[float, float]:
    means = np.array(luma_means) * 255
    if len(means) < 5:
        return 1.0, 0.0
    trend = np.convolve(means, np.ones(5) / 5, mode="same")
    jitter = float(np.abs(means - trend)[2:-2].mean())
    return max(0.0, 1 - jitter / 3), jitter


def mean_lab(pictures: list[np.ndarray]) -> np.ndarray:
    return srgb_to_lab(np.mean([p.reshape(-1, 3).mean(0) for p in pictures], axis=0))


def score_shot(shot_id: str, spec: ShotSpec, pictures: ClipPictures, consistency: float = 1.0,
               consistency_delta_e: float = 0.0, threshold: float = SCORE_THRESHOLD,
               judged: JudgeVerdict | None = None) -> ShotSemanticScore:
    pictures.analysed()
    motion = pictures.motion
    camera, camera_pixels, described = move_agreement(spec.camera_move, motion)
    palette, delta_e = palette_score(pictures.rgb, spec.palette, pictures.colours) if spec.palette else (1.0, 0.0)
    exposure, mean_luma = exposure_score(pictures.luma_means, spec.lighting)
    flicker, jitter = flicker_score(pictures.luma_means)
    smoothness = 1 / (1 + motion.jerk)
    values = {"camera_motion": (camera, camera_pixels), "palette": (palette, delta_e), "exposure": (exposure, mean_luma),
              "flicker": (flicker, jitter), "smoothness": (smoothness, motion.jerk),
              "consistency": (consistency, consistency_delta_e)}
    metrics = [SemanticMetric(name=name, value=round(raw, 4), score=round(score, 4), threshold=METRIC_THRESHOLD,
                              weight=WEIGHTS[name]) for name, (score, raw) in values.items()]
    if judged is not None:
        judge_score = min(1.0, max(0.0, judged.score))
        metrics.append(SemanticMetric(name="vision_judge", value=round(judge_score, 4), score=round(judge_score, 4),
                                      threshold=METRIC_THRESHOLD, weight=JUDGE_WEIGHT))
    total = round(sum(m.score * m.weight for m in metrics) / sum(m.weight for m in metrics), 4)
    reasons = [f"camera: asked {spec.camera_move}, measured {described}",
               f"palette: mean delta E {delta_e:.1f}", f"exposure: mean luma {mean_luma:.2f} for {spec.lighting}",
               f"flicker: {jitter:.2f} levels", f"smoothness: jerk {motion.jerk:.2f}px"]
    if judged is not None:
        reasons += [f"{judged.model}: {reason}" for reason in judged.reasons]
    reasons += [f"{m.name} below its threshold ({m.score:.2f} < {m.threshold})" for m in metrics if m.score < m.threshold]
    return ShotSemanticScore(shot_id=shot_id, metrics=metrics, score=total,
                             verdict="pass" if total >= threshold else "fail", reasons=reasons)


PROMPT_ADHERENCE = "prompt_adherence"
NO_JUDGE = "not judged (no vision judge configured)"


def coverage(scores: list[ShotSemanticScore]) -> tuple[list[str], dict[str, str]]:
    """(what the scores measured, what was not judged and why)."""
    measured = list(dict.fromkeys(m.name for s in scores for m in s.metrics))
    judged_by_model = "vision_judge" in measured
    not_judged = {} if judged_by_model else {PROMPT_ADHERENCE: NO_JUDGE}
    return measured, not_judged


def scene_consistency(pictures_by_shot: dict[str, ClipPictures], scene_of: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Per shot: (score, delta E of its mean colour to the mean of its scene)."""
    means = {shot: mean_lab(p.rgb) for shot, p in pictures_by_shot.items()}
    result = {}
    for shot, lab in means.items():
        peers = [means[s] for s in means if scene_of[s] == scene_of[shot]]
        delta = float(np.sqrt(((lab - np.mean(peers, axis=0)) ** 2).sum()))
        result[shot] = (max(0.0, 1 - delta / 30), delta)
    return result
