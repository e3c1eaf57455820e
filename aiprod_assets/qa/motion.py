"""Global camera motion between frames of a small luma picture.

Translation comes from phase correlation over the whole picture; zoom and rotation
from a small search over similarity warps (the warp that best maps one frame onto
the next). Evidence is expressed in pixels at the edge of the 160-wide picture,
accumulated over the shot, so moves of any kind compare on one scale.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

# Evidence below this many pixels over the shot is no motion.
STILL_PIXELS = 1.5
SCALES = (0.97, 0.985, 1.0, 1.015, 1.03)
ANGLES_DEG = (-0.8, -0.4, 0.0, 0.4, 0.8)


def phase_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(dy, dx) that moves ``a`` onto ``b``, with a parabolic sub-pixel refinement."""
    window = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1]))
    fa, fb = np.fft.fft2((a - a.mean()) * window), np.fft.fft2((b - b.mean()) * window)
    cross = fb * np.conj(fa)
    corr = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    peak = np.unravel_index(np.argmax(corr), corr.shape)
    shift = []
    for axis, size in enumerate(corr.shape):
        step = np.zeros(2, dtype=int)
        step[axis] = 1
        before = corr[tuple((np.array(peak) - step) % corr.shape)]
        after = corr[tuple((np.array(peak) + step) % corr.shape)]
        denom = before - 2 * corr[peak] + after
        value = peak[axis] + (0.5 * (before - after) / denom if denom else 0.0)
        shift.append(value - size if value > size / 2 else value)
    return shift[0], shift[1]


@dataclass
class Motion:
    pan: float = 0.0  # horizontal translation, pixels
    tilt: float = 0.0  # vertical translation, pixels
    zoom: float = 0.0  # magnification (+) or reduction (-), as pixels of movement at the picture's edge
    rotation: float = 0.0  # rotation, as pixels of movement at the picture's edge
    jerk: float = 0.0  # spread of frame-to-frame translation changes

    def evidence(self) -> dict[str, float]:
        return {"pan": abs(self.pan), "tilt": abs(self.tilt), "zoom_in": max(self.zoom, 0.0),
                "zoom_out": max(-self.zoom, 0.0), "orbit": abs(self.rotation)}


@functools.lru_cache(maxsize=8)
def _warp_taps(h: int, w: int) -> tuple[np.ndarray, ...]:
    """For every scale x angle warp about the centre of an h x w picture, where each pixel of its centre
    (the crop the warps are compared over) samples from: flat indices of the four neighbours and the
    bilinear weights, edges extended. torch's affine_grid + grid_sample (align_corners=False, border
    padding), in numpy and float32; the same for every frame pair of a shot, so made once per size."""
    thetas = np.array([[[c, -s * h / w, 0.0], [s * w / h, c, 0.0]]
                       for scale in SCALES for angle in ANGLES_DEG
                       for c, s in [(math.cos(math.radians(angle)) / scale, math.sin(math.radians(angle)) / scale)]],
                      dtype=np.float32)
    rows, cols = np.arange(h // 8, h - h // 8), np.arange(w // 8, w - w // 8)
    # Pixel centres in [-1, 1], mapped by each warp, back to pixel coordinates, clamped to the picture.
    xs = ((2 * cols.astype(np.float32) + 1) / w - 1)[None, None, :]
    ys = ((2 * rows.astype(np.float32) + 1) / h - 1)[None, :, None]
    t = thetas[:, :, :, None, None]
    ix = np.clip(((t[:, 0, 0] * xs + t[:, 0, 1] * ys + t[:, 0, 2] + 1) * w - 1) / 2, 0, w - 1)
    iy = np.clip(((t[:, 1, 0] * xs + t[:, 1, 1] * ys + t[:, 1, 2] + 1) * h - 1) / 2, 0, h - 1)
    x0, y0 = np.floor(ix).astype(np.intp), np.floor(iy).astype(np.intp)
    fx, fy = ix - x0, iy - y0
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)  # weight 0 where clamped
    return y0 * w + x0, y0 * w + x1, y1 * w + x0, y1 * w + x1, fx, fy


def _best_warp(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(scale, angle in degrees) of the warp of ``a`` closest to ``b`` over the picture's centre."""
    h, w = a.shape
    top_left, top_right, bottom_left, bottom_right, fx, fy = _warp_taps(h, w)
    source = a.astype(np.float32).ravel()
    top = source.take(top_left) * (1 - fx) + source.take(top_right) * fx
    bottom = source.take(bottom_left) * (1 - fx) + source.take(bottom_right) * fx
    warped = top * (1 - fy) + bottom * fy
    errors = np.abs(warped - b[h // 8: h - h // 8, w // 8: w - w // 8]).mean(axis=(1, 2))
    best = int(np.argmin(errors))
    return SCALES[best // len(ANGLES_DEG)], ANGLES_DEG[best % len(ANGLES_DEG)]


class MotionTracker:
    """estimate_motion fed one small luma picture at a time: each step is measured as its second picture
    comes, so a clip measured as it is encoded has its motion when its last picture is in."""

    def __init__(self):
        self.motion = Motion()
        self.steps: list[tuple[float, float]] = []
        self.previous: np.ndarray | None = None

    def add(self, picture: np.ndarray) -> None:
        # The caption band is left out.
        current = picture[: int(picture.shape[0] * 0.8)].astype(np.float64)
        if self.previous is not None:
            a, b = self.previous, current
            edge = a.shape[1] / 2
            scale, angle = _best_warp(a, b)
            dy, dx = phase_shift(a, b)
            self.motion.pan += dx
            self.motion.tilt += dy
            self.motion.zoom += (scale - 1) * edge
            self.motion.rotation += math.radians(angle) * edge
            self.steps.append((dy, dx))
        self.previous = current

    def result(self) -> Motion:
        motion = Motion(**vars(self.motion))
        if len(self.steps) >= 3:
            changes = np.diff(np.array(self.steps), axis=0)
            motion.jerk = float(np.abs(np.diff(changes, axis=0)).mean())
        return motion


def estimate_motion(frames: list[np.ndarray]) -> Motion:
    """Accumulated motion over a sequence of small luma pictures (the caption band is left out)."""
    tracker = MotionTracker()
    for frame in frames:
        tracker.add(frame)
    return tracker.result()


COMPATIBLE = {"dolly": {"zoom_in"}, "zoom_in": {"zoom_in"}, "zoom_out": {"zoom_out"}, "pan": {"pan"},
              "tilt": {"tilt"}, "orbit": {"orbit", "pan"}}


def move_agreement(asked: str, motion: Motion) -> tuple[float, float, str]:
    """0-1: how well the measured motion matches the asked move; the asked move's evidence in pixels; a description."""
    evidence = motion.evidence()
    strongest = max(evidence, key=evidence.get)
    total = evidence[strongest]
    described = ", ".join(f"{k} {v:.1f}px" for k, v in evidence.items())
    if asked == "static":
        return (1.0 if total < STILL_PIXELS else max(0.0, 1 - (total - STILL_PIXELS) / 10)), total, described
    support = max(evidence[k] for k in COMPATIBLE.get(asked, {asked}))
    if total < STILL_PIXELS:
        return 0.0, support, f"no motion ({described})"
    return round(min(1.0, support / total), 4), support, described
