"""One decoding pass over a video file that gathers every measurement the QA gates judge.

Each frame's luma plane is read in place (no copy); levels are counted on every
other pixel and frozen frames compared on every fourth, which is plenty for a 99 %
threshold and keeps the scan close to the cost of a plain decode.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from aiprod_assets.media.planes import plane as _plane
from aiprod_assets.media.probe import RANGE_NAMES, colour_name, top_level_atoms
from aiprod_assets.qa.broadcast import (
    FlashMeter,
    FlashResult,
    flash_grids,
    flash_windows,
)
from aiprod_assets.qa.frame_stats import FrameKeeper, FrameStats
from aiprod_assets.qa.sound_measures import (
    SoundMeasures,
    SoundMemo,
    SoundMeter,
)

BLACK_LUMA_MEAN = 24.0  # limited-range black is 16; grain lifts a black picture a few levels
FROZEN_MEAN_ABS_DIFF = 0.5  # identical pictures; grain or any motion moves far more


@dataclass
class VideoScan:
    codec: str
    profile: str | None
    width: int
    height: int
    sample_aspect_ratio: str
    pix_fmt: str
    color_primaries: str
    color_trc: str
    colorspace: str
    color_range: str
    time_base: Fraction
    pts: list[int] = field(default_factory=list)
    packet_bytes: int = 0
    decoded_frames: int = 0
    luma_means: list[float] = field(default_factory=list)
    frame_changes: list[float] = field(default_factory=list)  # mean |diff| to the previous frame
    luma_legal_share: float = 1.0
    start_sec: float | None = None  # presentation time of the first frame
    flash: FlashResult | None = None
    packet_digests: dict[int, bytes] = field(default_factory=dict)  # by pts, when only demuxed


@dataclass
class AudioScan:
    codec: str
    profile: str | None
    sample_rate: int
    channels: int
    layout: str
    measures: SoundMeasures  # of the decoded sound, or kept for the same stream (qa/sound_measures.py)
    digest: str  # of the stream as demuxed, what the measures are kept by
    end_sec: float

    @property
    def start_sec(self) -> float | None:
        """Presentation time of the first sample (edit lists applied)."""
        return self.measures.start_sec


@dataclass
class MediaScan:
    path: str
    atoms: list[str]
    format_name: str | None
    metadata: dict[str, str]
    video: VideoScan | None
    audio: AudioScan | None
    errors: list[str] = field(default_factory=list)
    error_timecode_sec: float | None = None
    frames: FrameStats | None = None  # each frame's measurements, when kept

    @property
    def fps(self) -> float:
        if not self.video or len(self.video.pts) < 2:
            return 0.0
        pts = sorted(self.video.pts)
        span = (pts[-1] - pts[0]) * self.video.time_base
        return float((len(pts) - 1) / span) if span else 0.0

    @property
    def frame_step_sec(self) -> float:
        return 1 / self.fps if self.fps else 0.0

    @property
    def video_duration_sec(self) -> float:
        return len(self.video.pts) * self.frame_step_sec if self.video else 0.0


def packet_digest(packet: av.Packet) -> bytes:
    """What a packet's bytes are, to tell a copied packet from another."""
    return hashlib.blake2b(bytes(packet), digest_size=16).digest()


def _video_scan(stream: av.video.stream.VideoStream) -> VideoScan:
    context = stream.codec_context
    sar = context.sample_aspect_ratio
    return VideoScan(
        codec=context.name, profile=context.profile, width=context.width, height=context.height,
        sample_aspect_ratio=f"{sar.numerator}:{sar.denominator}" if sar else "1:1",
        # FFmpeg names full-range 4:2:0 "yuvj420p"; the range is judged on its own, so the format is yuv420p.
        pix_fmt=(context.pix_fmt or "").replace("yuvj", "yuv"), color_primaries=colour_name(context.color_primaries),
        color_trc=colour_name(context.color_trc), colorspace=colour_name(context.colorspace),
        color_range=colour_name(context.color_range, RANGE_NAMES), time_base=stream.time_base)


def scan(path: str | Path, on_frame: Callable[[av.VideoFrame], None] | None = None, keep_frames: bool = False,
         decode_video: bool = True, sounds: SoundMemo | None = None) -> MediaScan:
    """Everything the technical checks measure, in one decode; ``on_frame`` sees each decoded picture too
    (the cut's shot counting shares this pass). ``keep_frames`` also keeps each frame's measurements
    (``MediaScan.frames``), from which a cut made of this file's packets is judged without decoding them.
    Without ``decode_video`` the pictures are only demuxed: their packets' digests are kept instead, and the
    per-frame measurements are left for the caller to fill in (qa/cut_scan.py). The sound is decoded and
    measured unless ``sounds`` keeps the measures of this very stream; what is measured is kept there."""
    path = str(path)
    atoms = top_level_atoms(path)
    try:
        container = av.open(path)
    except (av.FFmpegError, OSError) as err:
        return MediaScan(path=path, atoms=atoms, format_name=None, metadata={}, video=None, audio=None,
                         errors=[f"cannot open: {err}"], error_timecode_sec=0.0)
    with container:
        video_stream = container.streams.video[0] if container.streams.video else None
        audio_stream = container.streams.audio[0] if container.streams.audio else None
        if video_stream is not None:
            video_stream.thread_type = "AUTO"
        result = MediaScan(path=path, atoms=atoms, format_name=container.format.name,
                           metadata=dict(container.metadata),
                           video=_video_scan(video_stream) if video_stream else None, audio=None)
        pictures = PictureMeter(result.video, keep_frames) if video_stream is not None else None
        audio = SoundMeter(audio_stream, sounds) if audio_stream is not None else None
        streams = [s for s in (video_stream, audio_stream) if s is not None]
        try:
            for packet in container.demux(*streams):
                if packet.stream is audio_stream:
                    audio.add(packet)
                    continue
                if packet.size:
                    result.video.packet_bytes += packet.size
                    result.video.pts.append(packet.pts)
                    if not decode_video:
                        result.video.packet_digests[packet.pts] = packet_digest(packet)
                if not decode_video:
                    continue
                for frame in packet.decode():
                    pictures.add(frame)
                    if on_frame is not None:
                        on_frame(frame)
        except av.FFmpegError as err:
            result.errors.append(f"decode error: {err}")
            video = result.video
            result.error_timecode_sec = video.decoded_frames / result.fps if video and result.fps else 0.0
        if audio is not None:
            result.audio = _audio_scan(audio_stream, audio)
            if audio.error is not None and not result.errors:
                result.errors.append(f"decode error: {audio.error}")
                result.error_timecode_sec = result.audio.measures.duration_sec
        if result.video is not None and decode_video:
            result.frames = pictures.finish(result.fps or 30.0)
            if result.video.decoded_frames < len(result.video.pts):
                result.errors.append(f"{len(result.video.pts) - result.video.decoded_frames} packet(s) did not "
                                     f"decode to a frame")
                result.error_timecode_sec = result.video.decoded_frames * result.frame_step_sec
        elif result.video is not None and result.video.pts:
            result.video.start_sec = float(min(result.video.pts) * result.video.time_base)
        return result


class PictureMeter:
    """Each decoded picture's levels, change from the one before and flash state, into the video scan."""

    def __init__(self, video: VideoScan, keep_frames: bool):
        self.video, self.legal, self.counted = video, 0, 0
        self.previous: np.ndarray | None = None
        self.flashes = FlashMeter()
        self.kept = FrameKeeper() if keep_frames else None

    def add(self, frame: av.VideoFrame) -> None:
        video = self.video
        if video.start_sec is None and frame.time is not None:
            video.start_sec = float(frame.time)
        luma = _plane(frame, 0)
        cr = _plane(frame, 2) if len(frame.planes) > 2 else None
        luma_grid, red_grid = flash_grids(luma, cr)
        self.flashes.add_grids(luma_grid, red_grid)
        # One copy of the sample, then contiguous passes: a third of the time of strided ones, same counts.
        sample = np.ascontiguousarray(luma[::2, ::2])
        legal = int(np.count_nonzero(np.subtract(sample, 16, dtype=np.uint8) <= 235 - 16))  # 16-235, wrapped
        self.legal += legal
        self.counted += sample.size
        # The exact sum over the count: what sample.mean() gives, to the bit.
        video.luma_means.append(int(sample.sum(dtype=np.uint64)) / sample.size)
        small = sample[::2, ::2].astype(np.int16)
        video.frame_changes.append(float(np.abs(small - self.previous).mean()) if self.previous is not None
                                   else float("inf"))
        self.previous = small
        video.decoded_frames += 1
        if self.kept is not None:
            self.kept.add(frame, legal, sample.size, small, luma_grid, red_grid)

    def finish(self, fps: float) -> FrameStats | None:
        video = self.video
        video.luma_legal_share = self.legal / self.counted if self.counted else 0.0
        video.flash = flash_windows(self.flashes.transitions, self.flashes.frames, fps)
        return self.kept.stats(video) if self.kept is not None else None


def _audio_scan(stream, meter: SoundMeter) -> AudioScan:
    measures, digest = meter.finish()
    context = stream.codec_context
    return AudioScan(codec=context.name, profile=context.profile, sample_rate=context.sample_rate,
                     channels=context.channels, layout=context.layout.name, measures=measures, digest=digest,
                     end_sec=float(meter.end))
