"""Small JPEG previews of frames in flight, for reviewers watching a render."""

from __future__ import annotations

import io

import numpy as np

PREVIEW_WIDTH = 192


def preview_jpeg(yuv420p: np.ndarray, width: int = PREVIEW_WIDTH, quality: int = 70) -> bytes:
    """One (height * 3 / 2, width) yuv420p frame as a JPEG ``width`` pixels wide."""
    import av

    frame = av.VideoFrame.from_ndarray(yuv420p, format="yuv420p")
    height = max(2, round(frame.height * width / frame.width / 2) * 2)
    image = frame.reformat(width=width, height=height, format="rgb24").to_image()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
