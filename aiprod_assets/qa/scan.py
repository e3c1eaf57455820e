"""One decoding pass over a video file that gathers every measurement the QA gates judge.

Each frame's luma plane is read in place (no copy); levels are counted on every
other pixel and frozen frames compared on every fourth, which is plenty for a 99 %
threshold and keeps the scan close to the cost of a plain decode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from aiprod_assets.media.probe import RANGE_NAMES, colour_name, top_level_atoms
from aiprod_assets.qa.broadcast import FlashMeter, FlashResult, flash_windows

BLACK_LUMA_MEAN = 24.0  # limited-range black is 16; grain lifts a black picture a few levels
FROZEN_MEAN_ABS_DIFF = 0.5  # identical pictures; grain or any motion moves far more
QA_SAMPLE_RATE = 48_000


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


@dataclass
class AudioScan:
    codec: str
    profile: str | None
    sample_rate: int
    channels: int
    layout: str
    samples: np.ndarray  # (channels, n) float32 at QA_SAMPLE_RATE
    end_sec: float
    start_sec: float | None = None  # presentation time of the first sample (edit lists applied)


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


def _plane(frame: av.VideoFrame, index: int = 0) -> np.ndarray:
    """A plane read in place: luma (0) or a chroma plane (1: Cb, 2: Cr), on the 8-bit scale."""
    plane = frame.planes[index]
    dtype = np.uint16 if "p10" in frame.format.name or "p12" in frame.format.name else np.uint8
    width = plane.line_size // np.dtype(dtype).itemsize
    rows = np.frombuffer(plane, dtype=dtype).reshape(-1, width)[: plane.height, : plane.width]
    if dtype is np.uint16:
        return (rows >> 2).astype(np.uint8)  # 10-bit to the 8-bit scale the thresholds use
    return rows


def _luma(frame: av.VideoFrame) -> np.ndarray:
    return _plane(frame, 0)


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


def scan(path: str | Path, on_frame: Callable[[av.VideoFrame], None] | None = None) -> MediaScan:
    """Everything the technical checks measure, in one decode; ``on_frame`` sees each decoded picture too
    (the cut's shot counting shares this pass)."""
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
        resampler = av.AudioResampler(format="fltp", rate=QA_SAMPLE_RATE) if audio_stream else None
        chunks: list[np.ndarray] = []
        audio_end = Fraction(0)
        legal = counted = 0
        previous: np.ndarray | None = None
        flashes = FlashMeter()
        audio_start: float | None = None
        streams = [s for s in (video_stream, audio_stream) if s is not None]
        try:
            for packet in container.demux(*streams):
                if packet.stream is audio_stream:
                    if packet.pts is not None and packet.duration:
                        audio_end = max(audio_end, (packet.pts + packet.duration) * packet.time_base)
                    for frame in packet.decode():
                        if audio_start is None and frame.time is not None:
                            audio_start = float(frame.time)
                        chunks.extend(out.to_ndarray() for out in resampler.resample(frame))
                    continue
                if packet.size:
                    result.video.packet_bytes += packet.size
                    result.video.pts.append(packet.pts)
                for frame in packet.decode():
                    if result.video.start_sec is None and frame.time is not None:
                        result.video.start_sec = float(frame.time)
                    luma = _luma(frame)
                    flashes.add(luma, _plane(frame, 2) if len(frame.planes) > 2 else None)
                    sample = luma[::2, ::2]
                    legal += int(np.count_nonzero((sample >= 16) & (sample <= 235)))
                    counted += sample.size
                    result.video.luma_means.append(float(sample.mean()))
                    small = luma[::4, ::4].astype(np.int16)
                    change = float(np.abs(small - previous).mean()) if previous is not None else float("inf")
                    result.video.frame_changes.append(change)
                    previous = small
                    result.video.decoded_frames += 1
                    if on_frame is not None:
                        on_frame(frame)
        except av.FFmpegError as err:
            result.errors.append(f"decode error: {err}")
            video = result.video
            result.error_timecode_sec = video.decoded_frames / result.fps if video and result.fps else 0.0
        if resampler is not None:
            chunks.extend(out.to_ndarray() for out in resampler.resample(None))
            context = audio_stream.codec_context
            samples = np.concatenate(chunks, axis=1) if chunks else np.zeros((context.channels, 0), np.float32)
            result.audio = AudioScan(codec=context.name, profile=context.profile, sample_rate=context.sample_rate,
                                     channels=context.channels, layout=context.layout.name, samples=samples,
                                     end_sec=float(audio_end), start_sec=audio_start)
        if result.video is not None:
            result.video.luma_legal_share = legal / counted if counted else 0.0
            result.video.flash = flash_windows(flashes.transitions, flashes.frames, result.fps or 30.0)
            if result.video.decoded_frames < len(result.video.pts):
                result.errors.append(f"{len(result.video.pts) - result.video.decoded_frames} packet(s) did not "
                                     f"decode to a frame")
                result.error_timecode_sec = result.video.decoded_frames * result.frame_step_sec
        return result
