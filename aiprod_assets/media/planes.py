"""A decoded picture's planes read in place, without a copy or a scaler."""

from __future__ import annotations

import av
import numpy as np

# BT.709 limited range, the render profile's: what the clips are tagged with.
_KR, _KB = 0.2126, 0.0722


def plane(frame: av.VideoFrame, index: int = 0) -> np.ndarray:
    """Luma (0) or a chroma plane (1: Cb, 2: Cr), on the 8-bit scale."""
    data = frame.planes[index]
    dtype = np.uint16 if "p10" in frame.format.name or "p12" in frame.format.name else np.uint8
    width = data.line_size // np.dtype(dtype).itemsize
    rows = np.frombuffer(data, dtype=dtype).reshape(-1, width)[: data.height, : data.width]
    if dtype is np.uint16:
        return (rows >> 2).astype(np.uint8)  # 10-bit to the 8-bit scale the thresholds use
    return rows


def mean_rgb(frame: av.VideoFrame, step: int = 8) -> float:
    """Mean of R, G and B in 0-1 over a regular sample of the picture (every ``step``-th luma pixel each way),
    converted from limited-range BT.709: a few thousand pixels instead of a scaled copy of the whole frame."""
    if len(frame.planes) < 3:
        return float(plane(frame, 0)[::step, ::step].mean()) / 255
    y = plane(frame, 0)[::step, ::step].astype(np.float32)
    chroma_step = max(1, step * frame.planes[1].height // max(1, frame.planes[0].height))
    cb = plane(frame, 1)[::chroma_step, ::chroma_step].astype(np.float32)
    cr = plane(frame, 2)[::chroma_step, ::chroma_step].astype(np.float32)
    rows, cols = min(y.shape[0], cb.shape[0]), min(y.shape[1], cb.shape[1])
    luma = (y[:rows, :cols] - 16) / 219
    pb, pr = (cb[:rows, :cols] - 128) / 224, (cr[:rows, :cols] - 128) / 224
    red = luma + 2 * (1 - _KR) * pr
    blue = luma + 2 * (1 - _KB) * pb
    green = (luma - _KR * red - _KB * blue) / (1 - _KR - _KB)
    return float(np.clip(np.stack([red, green, blue]), 0, 1).mean())


def rgb_picture(frame: av.VideoFrame, width: int, height: int, bare: bool = False) -> np.ndarray:
    """The frame scaled to RGB from its planes and colour tags alone. FFmpeg's scaler also reads other
    properties a decoder sets on a frame (a decoded frame and a copy of its planes with the same colour tags
    differ by up to 3 levels), which an encoder's reconstructed picture does not carry (media/recon.py): a
    copy of the planes converts the same either way. A ``bare`` frame, one that carries nothing else (the
    reconstructed pictures), is scaled as it is: the copy costs six times the scaling."""
    if not bare:
        copy = av.VideoFrame.from_ndarray(frame.to_ndarray(), format=frame.format.name)
        copy.colorspace, copy.color_range = frame.colorspace, frame.color_range
        copy.color_primaries, copy.color_trc = frame.color_primaries, frame.color_trc
        frame = copy
    return frame.reformat(width=width, height=height, format="rgb24").to_ndarray()
