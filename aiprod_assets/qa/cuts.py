"""Counting the shots in a cut: hard cuts from frame-difference spikes, dissolves where the plan has them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

from aiprod_assets.contracts import Shot

HARD_CUT_FLOOR = 4.0  # mean |diff| in luma levels (160x90); a camera move stays near 1
HARD_CUT_OVER_MEDIAN = 6.0


def thumbnail(frame: av.VideoFrame) -> np.ndarray:
    """About 160x90 of the luma plane, each pixel the mean of a 2x2 block of a regular sample: read in place,
    no scaler (the cut's checks decode once and count shots from the same frames)."""
    plane = frame.planes[0]
    luma = np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)[: plane.height, : plane.width]
    sample = luma[:: max(1, plane.height // 180), :: max(1, plane.width // 320)][:180, :320]
    rows, cols = sample.shape[0] // 2 * 2, sample.shape[1] // 2 * 2
    sample = sample[:rows, :cols].astype(np.uint16)
    blocks = sample[0::2, 0::2] + sample[1::2, 0::2] + sample[0::2, 1::2] + sample[1::2, 1::2]
    # Kept as bytes: a long cut holds one per frame.
    return (blocks >> 2).astype(np.uint8)


def small_luma_frames(path: str | Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return [thumbnail(frame) for frame in container.decode(stream)]


def count_segments(frames: list[np.ndarray], shots: list[Shot], fade_frames: int) -> tuple[int, list[int]]:
    """How many shots the picture shows, and the frames where a new one starts (from every frame's thumbnail)."""
    changes = np.array([np.abs(b.astype(np.int16) - a).mean() for a, b in zip(frames, frames[1:])])
    return segments_from_changes(changes, frames.__getitem__, shots, fade_frames)


def segments_from_changes(changes: np.ndarray, picture: Callable[[int], np.ndarray], shots: list[Shot],
                          fade_frames: int) -> tuple[int, list[int]]:
    """``changes[i]``: thumbnail change from frame i to i + 1; ``picture(i)``: frame i's thumbnail, read only
    where the plan puts a dissolve.

    A hard cut is a spike in frame-to-frame change. A dissolve is found where the plan
    put one: the picture before it and the picture after it must differ like a cut.
    """
    if changes.size == 0:
        return 1, []
    total = changes.size + 1
    threshold = max(HARD_CUT_FLOOR, HARD_CUT_OVER_MEDIAN * float(np.median(changes)))
    starts = [i + 1 for i, change in enumerate(changes) if change > threshold]
    boundary = 0
    for shot in shots:
        if boundary and shot.transition_in == "crossfade":
            before, after = boundary - 1, min(total - 1, boundary + fade_frames)
            if np.abs(picture(after).astype(np.int16) - picture(before)).mean() > threshold and boundary not in starts:
                starts.append(boundary)
        boundary += shot.spec.frames
    return 1 + len(starts), sorted(starts)
