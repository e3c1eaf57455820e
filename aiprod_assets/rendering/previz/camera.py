"""Camera moves with easing: where each depth layer of the world sits at a moment of the shot."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LayerTransform:
    """Maps screen coordinates to world coordinates: rotate, scale, then shift."""

    scale: float = 1.0
    shift_u: float = 0.0
    shift_v: float = 0.0
    angle: float = 0.0


# Share of constant speed mixed into the ease: the camera eases in and out but never quite stops,
# so a shot never holds a frozen picture it did not ask for.
LINEAR_SHARE = 0.4


def ease_in_out(progress: float) -> float:
    """Cubic ease in and out, with a little constant speed under it."""
    p = min(1.0, max(0.0, progress))
    cubic = 4 * p ** 3 if p < 0.5 else 1 - (-2 * p + 2) ** 3 / 2
    return LINEAR_SHARE * p + (1 - LINEAR_SHARE) * cubic


def layer_transform(move: str, progress: float, depth: float) -> LayerTransform:
    """``depth`` runs from 0 (horizon) to 1 (nearest); near layers move more, which reads as parallax."""
    p = ease_in_out(progress)
    parallax = 0.4 + 0.6 * depth
    if move == "pan":
        return LayerTransform(shift_u=(p - 0.5) * 0.6 * parallax)
    if move == "tilt":
        return LayerTransform(shift_v=(0.5 - p) * 0.5 * parallax)
    if move == "zoom_in":
        return LayerTransform(scale=1 / (1 + 0.5 * p))
    if move == "zoom_out":
        return LayerTransform(scale=1 / (1.5 - 0.5 * p))
    if move == "dolly":
        return LayerTransform(scale=1 / (1 + 0.6 * p * (0.3 + 0.7 * depth)))
    if move == "orbit":
        return LayerTransform(angle=(p - 0.5) * math.radians(12), shift_u=(p - 0.5) * 0.5 * (depth - 0.3))
    return LayerTransform()
