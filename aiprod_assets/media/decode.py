"""Decoding clips back to planes and samples, for the final cut and for checks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

# FFmpeg's probe of an H.264 stream decodes its first pictures to learn their pixel format: about 12 ms of a
# 14 ms open at 1080p. Reading packets, or decoding the sound, needs none of it (one entry per stream, up to 16).
_PICTURES_NOT_PROBED = [{"skip_frame": "all"}] * 16


def open_for_packets(path: str | Path) -> av.container.InputContainer:
    """The file opened to read its packets or decode its sound: its streams' parameters are all there but the
    pictures' pixel format (``codec_context.pix_fmt`` is None); its pictures still decode, each with its own."""
    return av.open(str(path), stream_options=_PICTURES_NOT_PROBED)


def video_frames(path: str | Path) -> Iterator[np.ndarray]:
    """Each frame as the (height * 3 / 2, width) yuv420p array the encoder takes."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.format.name != "yuv420p":
                frame = frame.reformat(format="yuv420p")
            yield frame.to_ndarray()


def audio_samples(path: str | Path, sample_rate: int = 48_000) -> np.ndarray:
    """All audio as a (2, n) float32 array at ``sample_rate``."""
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=sample_rate)
    chunks = []
    with open_for_packets(path) as container:
        if not container.streams.audio:
            return np.zeros((2, 0), dtype=np.float32)
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
        for out in resampler.resample(None):
            chunks.append(out.to_ndarray())
    return np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0), dtype=np.float32)
