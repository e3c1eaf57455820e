"""PNG encoding through PyAV's encoder, so pictures need no imaging library."""

from __future__ import annotations

import av
import numpy as np


def encode_png(rgb: np.ndarray) -> bytes:
    """An (height, width, 3) uint8 array as PNG bytes."""
    context = av.CodecContext.create("png", "w")
    context.width, context.height, context.pix_fmt = rgb.shape[1], rgb.shape[0], "rgb24"
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    return b"".join(bytes(packet) for packet in [*context.encode(frame), *context.encode(None)])
