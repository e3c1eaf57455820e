"""A clip's QA measured from the pictures its encoder reconstructed (media/recon.py), not from a decode.

A decode of the file makes those very pictures, so what is measured of them is what a decode's scan
measures (tests/test_as_encoded.py holds them equal, check for check); the file itself is still demuxed for
all the rest the checks read: its container, stream parameters, timestamps, packet sizes and sound. The
measurements are made where the clip is encoded (the device worker, on a thread beside the encoder) and
travel with the sha256 of the file they belong to: other bytes under that path are decoded as before.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av

from aiprod_assets.canonical import file_sha256
from aiprod_assets.qa.frame_stats import FrameStats
from aiprod_assets.qa.scan import MediaScan, PictureMeter, VideoScan, scan
from aiprod_assets.qa.semantic import ClipPictures, PictureCollector
from aiprod_assets.qa.sound_measures import SoundMemo

T = TypeVar("T")
# What a decode's scan measures of the pictures themselves; the demux gives the rest of a VideoScan.
_PER_PICTURE = ("start_sec", "luma_means", "frame_changes", "decoded_frames", "luma_legal_share", "flash")


@dataclass
class EncodedPictures:
    sha256: str  # of the file the pictures were encoded into
    video: VideoScan  # only its per-picture fields are measured (_PER_PICTURE)
    stats: FrameStats
    collector: PictureCollector

    def pictures(self) -> ClipPictures:
        return self.collector.pictures()


def _unmeasured_video() -> VideoScan:
    return VideoScan(codec="", profile=None, width=0, height=0, sample_aspect_ratio="", pix_fmt="", color_primaries="",
                     color_trc="", colorspace="", color_range="", time_base=Fraction(1))


class EncodedPictureMeter:
    """Fed each picture the encoder reconstructs, in order (ClipWriter's ``on_picture``), and measures them on a
    thread of its own: the encoder hands the next frame on while this one is measured."""

    def __init__(self, frames: int):
        self.frames = frames
        self.video = _unmeasured_video()
        self.meter = PictureMeter(self.video, keep_frames=True)
        self.collector = PictureCollector(frames, bare=True)  # pictures copied out of the encoder (media/recon.py)
        self.queue: queue.Queue[av.VideoFrame | None] = queue.Queue(maxsize=8)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._measure, name="encoded-picture-meter", daemon=True)
        self.thread.start()

    def add(self, picture: av.VideoFrame) -> None:
        self.queue.put(picture)

    def _measure(self) -> None:
        while (picture := self.queue.get()) is not None:
            if self.failure is not None:
                continue  # drained, so the encoder never blocks on a full queue
            try:
                self.meter.add(picture)
                self.collector.add(picture)
            except BaseException as err:
                self.failure = err

    def result(self, path: str | Path, fps: float) -> EncodedPictures | None:
        """The measurements of the file just written at ``path``; None unless every frame was seen (an encoder
        that hands out no pictures, or stopped handing them out)."""
        self.close()
        if self.failure is not None:
            raise self.failure
        if self.video.decoded_frames != self.frames:
            return None
        stats = self.meter.finish(fps)
        return EncodedPictures(sha256=file_sha256(path), video=self.video, stats=stats, collector=self.collector)

    def close(self) -> None:
        """Stop measuring (after the last picture, or when the render failed)."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()


def encode_measured(frames: int, fps: float, out_path: str | Path, measure: bool,
                    encode: Callable[[Callable[[av.VideoFrame], None] | None], T]) -> tuple[T, EncodedPictures | None]:
    """``encode(on_picture)`` writes the clip at ``out_path`` (a ClipWriter's ``on_picture``); with
    ``measure``, its ``frames`` pictures are measured as they are encoded: (what it returned, the
    measurements, or None)."""
    if not measure:
        return encode(None), None
    meter = EncodedPictureMeter(frames)
    try:
        value = encode(meter.add)
    finally:
        meter.close()
    return value, meter.result(out_path, fps)


def scan_as_encoded(path: str | Path, encoded: EncodedPictures, sounds: SoundMemo | None = None) -> MediaScan | None:
    """The scan a decode of ``path`` would make, from its demux and ``encoded``; None where they do not
    belong together (the caller decodes the file instead). ``sounds`` as for scan."""
    media = scan(path, decode_video=False, sounds=sounds)
    video = media.video
    if media.errors or video is None or len(video.pts) != encoded.video.decoded_frames:
        return None
    for name in _PER_PICTURE:
        setattr(video, name, getattr(encoded.video, name))
    video.packet_digests = {}
    media.frames = encoded.stats
    return media
