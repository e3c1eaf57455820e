"""Previews of frames in flight: made from a few kilobytes the device worker sends, they show the frame."""

import io

import av
import numpy as np
import pytest
from PIL import Image

from aiprod_assets.media.preview import PREVIEW_WIDTH, preview_frame, preview_jpeg


def _frame(height: int, width: int) -> np.ndarray:
    """A yuv420p frame: a bright top-left quarter on grey, with a blue-ish chroma on the left half."""
    frame = av.VideoFrame(width, height, "yuv420p")
    planes = [np.full((height, width), 90, np.uint8), np.full((height // 2, width // 2), 128, np.uint8),
              np.full((height // 2, width // 2), 128, np.uint8)]
    planes[0][: height // 2, : width // 2] = 220
    planes[1][:, : width // 4] = 200
    for plane, values in zip(frame.planes, planes):
        np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width] = values
    return frame.to_ndarray()


@pytest.mark.parametrize("height, width", [(1080, 1920), (720, 1280), (360, 640), (2160, 3840), (1080, 1440)])
def test_a_preview_frame_is_small_and_its_jpeg_shows_what_the_frames_does(height, width):
    frame = _frame(height, width)
    small = preview_frame(frame)
    assert small.nbytes * 8 < frame.nbytes
    picture = av.VideoFrame.from_ndarray(small, format="yuv420p")  # a picture PyAV takes back
    assert PREVIEW_WIDTH <= picture.width < 2 * PREVIEW_WIDTH
    assert abs(picture.height / picture.width - height / width) < 0.05
    whole, reduced = (Image.open(io.BytesIO(preview_jpeg(f))) for f in (frame, small))
    assert whole.size == reduced.size == (PREVIEW_WIDTH, round(PREVIEW_WIDTH * height / width / 2) * 2)
    assert np.abs(np.asarray(whole, np.int16) - np.asarray(reduced, np.int16)).mean() < 2.0
    # The bright quarter stays where it was, in the preview's own pixels.
    rgb = np.asarray(reduced, np.int16)
    h, w = rgb.shape[:2]
    assert rgb[: h // 4, : w // 4].mean() > rgb[h // 2:, w // 2:].mean() + 60


def test_a_frame_no_wider_than_a_preview_is_its_own_preview():
    frame = _frame(108, 192)
    assert preview_frame(frame) is frame
