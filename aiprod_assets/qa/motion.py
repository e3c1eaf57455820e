"""Global motion between frames, from phase correlation on regions of a small luma picture.

Four quadrant regions moving apart mean a zoom in (or dolly), together a zoom out,
the same way a pan or tilt, around the centre an orbit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Evidence below this many pixels (on the 160-wide analysis picture) over the shot is no motion.
STILL_PIXELS = 1.5


def phase_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(dy, dx) that moves ``a`` onto ``b``, with a parabolic sub-pixel refinement."""
    window = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1]))
    fa, fb = np.fft.fft2((a - a.mean()) * window), np.fft.fft2((b - b.mean()) * window)
    cross = fb * np.conj(fa)
    corr = np.fft.ifft2(cross / (np.abs(cross) + 1e-9)).real
    peak = np.unravel_index(np.argmax(corr), corr.shape)
    shift = []
    for axis, size in enumerate(corr.shape):
        i = peak[axis]
        before = corr[(peak[0] - 1) % corr.shape[0], peak[1]] if axis == 0 else corr[peak[0], (peak[1] - 1) % size]
        after = corr[(peak[0] + 1) % corr.shape[0], peak[1]] if axis == 0 else corr[peak[0], (peak[1] + 1) % size]
        denom = before - 2 * corr[peak] + after
        offset = 0.5 * (before - after) / denom if denom else 0.0
        value = i + offset
        shift.append(value - size if value > size / 2 else value)
    return shift[0], shift[1]


@dataclass
class Motion:
    pan: float = 0.0  # horizontal translation, pixels
    tilt: float = 0.0  # vertical translation, pixels
    zoom: float = 0.0  # outward (+) or inward (-) spread of the quadrants, pixels
    rotation: float = 0.0  # tangential movement of the quadrants, pixels
    jerk: float = 0.0  # spread of frame-to-frame translation changes

    def evidence(self) -> dict[str, float]:
        return {"pan": abs(self.pan), "tilt": abs(self.tilt), "zoom_in": max(self.zoom, 0.0),
                "zoom_out": max(-self.zoom, 0.0), "orbit": abs(self.rotation)}


def _regions(luma: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
    # The bottom fifth carries the caption, which never moves.
    usable = luma[: int(luma.shape[0] * 0.8)]
    h, w = usable.shape[0] // 2, usable.shape[1] // 2
    return {(-1, -1): usable[:h, :w], (-1, 1): usable[:h, w:2 * w], (1, -1): usable[h:2 * h, :w],
            (1, 1): usable[h:2 * h, w:2 * w]}


def estimate_motion(frames: list[np.ndarray]) -> Motion:
    """Accumulated motion over a sequence of small luma pictures."""
    motion = Motion()
    steps = []
    for a, b in zip(frames, frames[1:]):
        ra, rb = _regions(a.astype(np.float64)), _regions(b.astype(np.float64))
        shifts = {key: phase_shift(ra[key], rb[key]) for key in ra}
        dy = float(np.mean([s[0] for s in shifts.values()]))
        dx = float(np.mean([s[1] for s in shifts.values()]))
        # Outward and tangential parts, after taking the common translation out.
        radial = np.mean([(s[0] - dy) * ky + (s[1] - dx) * kx for (ky, kx), s in shifts.items()]) / np.sqrt(2)
        tangential = np.mean([(s[1] - dx) * ky - (s[0] - dy) * kx for (ky, kx), s in shifts.items()]) / np.sqrt(2)
        motion.pan += dx
        motion.tilt += dy
        motion.zoom += float(radial)
        motion.rotation += float(tangential)
        steps.append((dy, dx))
    if len(steps) >= 3:
        changes = np.diff(np.array(steps), axis=0)
        motion.jerk = float(np.abs(np.diff(changes, axis=0)).mean()) if len(changes) > 1 else 0.0
    return motion


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
