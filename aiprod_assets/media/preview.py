"""Small JPEG previews of frames in flight, for reviewers watching a render."""

from __future__ import annotations

import io

import numpy as np

PREVIEW_WIDTH = 192


def preview_frame(yuv420p: np.ndarray, width: int = PREVIEW_WIDTH) -> np.ndarray:
    """A (height * 3 / 2, width) yuv420p frame reduced to about ``width`` pixels wide, each plane averaged over
    square blocks: what a preview is made of. A device worker sends this, some 50 kB, instead of the frame:
    3 MB a preview at 1080p, pickled and sent, held until served where the shot was rendered ahead, and
    enough, over a 100 s shot, to grow the worker by some 300 MB of freed and scattered heap."""
    rows, cols = yuv420p.shape
    height = rows * 2 // 3
    step = cols // width
    if step < 2:
        return yuv420p
    out_rows, out_cols = height // step // 4 * 4, cols // step // 2 * 2  # a yuv420p picture PyAV takes back
    chroma = yuv420p[height:].reshape(2, height // 2, cols // 2)

    def blocks(plane: np.ndarray, h: int, w: int) -> np.ndarray:
        averaged = plane[:h * step, :w * step].reshape(h, step, w, step).mean(axis=(1, 3))
        return np.rint(averaged).astype(np.uint8)

    small = [blocks(yuv420p[:height], out_rows, out_cols)]
    small += [blocks(plane, out_rows // 2, out_cols // 2).reshape(-1, out_cols) for plane in chroma]
    return np.concatenate(small)


def preview_jpeg(yuv420p: np.ndarray, width: int = PREVIEW_WIDTH, quality: int = 70) -> bytes:
    """One (height * 3 / 2, width) yuv420p frame, or a preview_frame of it, as a JPEG ``width`` pixels wide."""
    import av

    frame = av.VideoFrame.from_ndarray(yuv420p, format="yuv420p")
    height = max(2, round(frame.height * width / frame.width / 2) * 2)
    image = frame.reformat(width=width, height=height, format="rgb24").to_image()
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
