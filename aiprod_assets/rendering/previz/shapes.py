"""Vector shapes as masks over a world grid, placed at an anchor on the ground and scaled.

A shape is a tuple: its kind, its numbers in units of the prop's size (x right of the anchor, y up from
the ground), and a colour role. The world grid's v grows downwards, so y is subtracted.
"""

from __future__ import annotations

# Kinds and their numbers:
#   rect  x0 x1 y0 y1                   ellipse  cx cy rx ry
#   trap  cx half_bottom half_top y0 y1 (a tapered block: towers, lamps, awnings)
#   tri   x0 x1 y_base x_apex y_apex    (a triangle on a horizontal base: roofs, trees, peaks)
#   ring  cx cy r width                 (handles, wheels)
Shape = tuple


def hex_to_rgb(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]


def shape_mask(shape: Shape, u, v, x: float, ground: float, size: float):
    kind, *numbers = shape[:-1]
    px, py = (u - x) / size, (ground - v) / size  # the prop's own frame: y up from the ground
    if kind == "rect":
        x0, x1, y0, y1 = numbers
        return (px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)
    if kind == "ellipse":
        cx, cy, rx, ry = numbers
        return ((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 <= 1
    if kind == "trap":
        cx, half_bottom, half_top, y0, y1 = numbers
        t = ((py - y0) / (y1 - y0)).clamp(0, 1)
        return ((px - cx).abs() <= half_bottom + (half_top - half_bottom) * t) & (py >= y0) & (py <= y1)
    if kind == "tri":
        x0, x1, y_base, x_apex, y_apex = numbers
        t = ((py - y_base) / (y_apex - y_base)).clamp(0, 1)
        left, right = x0 + (x_apex - x0) * t, x1 + (x_apex - x1) * t
        return (px >= left) & (px <= right) & (py >= y_base) & (py <= y_apex)
    if kind == "ring":
        cx, cy, r, width = numbers
        d = ((px - cx) ** 2 + (py - cy) ** 2).sqrt()
        return (d <= r) & (d >= r - width)
    raise ValueError(f"unknown shape kind {kind!r}")


def role_of(shape: Shape) -> str:
    return shape[-1]
