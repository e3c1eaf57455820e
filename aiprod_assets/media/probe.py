"""What an MP4 really holds, read with PyAV: the facts the render profile speaks of."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av


@dataclass
class MediaInfo:
    container: str
    top_level_atoms: list[str]
    video_codec: str
    h264_profile: str | None
    width: int
    height: int
    pix_fmt: str
    sample_aspect_ratio: str
    average_fps: float
    frame_count: int
    duration_sec: float
    video_bitrate_bps: float
    keyframe_interval_frames: list[int]
    constant_frame_rate: bool
    color_primaries: str
    color_trc: str
    colorspace: str
    color_range: str
    audio_codec: str | None
    audio_profile: str | None
    audio_sample_rate: int | None
    audio_channels: int | None
    audio_layout: str | None
    audio_duration_sec: float | None
    metadata: dict[str, str] = field(default_factory=dict)


def moov_before_mdat(atoms: list[str]) -> bool:
    """Faststart: the index (moov) comes before the media data, so playback starts before the download ends."""
    return "moov" in atoms and "mdat" in atoms and atoms.index("moov") < atoms.index("mdat")


_ATOM_TYPE = re.compile(rb"^[A-Za-z0-9 \xa9]{4}$")


def top_level_atoms(path: str | Path) -> list[str]:
    """The top-level box types of an MP4, in order; reading stops at the first thing that is not a box."""
    atoms = []
    with open(path, "rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I4s", header)
            if not _ATOM_TYPE.fullmatch(kind) or 1 < size < 8:
                break
            if size == 1:
                size = struct.unpack(">Q", handle.read(8))[0]
                handle.seek(size - 16, 1)
            elif size == 0:
                atoms.append(kind.decode("latin-1"))
                break
            else:
                handle.seek(size - 8, 1)
            atoms.append(kind.decode("latin-1"))
    return atoms


# FFmpeg's enum values as PyAV returns them (AVColorPrimaries, AVColorTransferCharacteristic,
# AVColorSpace share 1 = BT.709 and 2 = unspecified; AVColorRange 1 = limited "tv", 2 = full "pc").
_COLOUR_NAMES = {0: "reserved", 1: "bt709", 2: "unspecified", 4: "bt470m", 5: "bt470bg", 6: "smpte170m",
                 7: "smpte240m", 8: "film", 9: "bt2020"}
RANGE_NAMES = {0: "unspecified", 1: "tv", 2: "pc"}


def colour_name(value, names=_COLOUR_NAMES) -> str:
    if isinstance(value, int):
        return names.get(value, str(value))
    return getattr(value, "name", str(value)).lower()


def probe(path: str | Path) -> MediaInfo:
    """Demux every packet (sizes, keyframes, timestamps); decode nothing."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        context = video.codec_context
        time_base = video.time_base
        video_bytes, pts, keyframes = 0, [], []
        audio_end = Fraction(0)
        for packet in container.demux():
            if packet.size == 0:
                continue
            if packet.stream.type == "video":
                video_bytes += packet.size
                pts.append(packet.pts)
                if packet.is_keyframe:
                    keyframes.append(len(pts) - 1)
            elif audio is not None and packet.stream is audio and packet.pts is not None:
                audio_end = max(audio_end, (packet.pts + packet.duration) * packet.time_base)
        pts.sort()
        steps = {b - a for a, b in zip(pts, pts[1:])}
        frame_step = min(steps) if steps else 1
        duration = float(len(pts) * frame_step * time_base) if pts else 0.0
        sar = context.sample_aspect_ratio
        return MediaInfo(
            container=container.format.name,
            top_level_atoms=top_level_atoms(path),
            video_codec=context.name,
            h264_profile=context.profile,
            width=context.width,
            height=context.height,
            pix_fmt=context.pix_fmt,
            sample_aspect_ratio=f"{sar.numerator}:{sar.denominator}" if sar else "1:1",
            average_fps=float(video.average_rate or 0),
            frame_count=len(pts),
            duration_sec=duration,
            video_bitrate_bps=video_bytes * 8 / duration if duration else 0.0,
            keyframe_interval_frames=[b - a for a, b in zip(keyframes, keyframes[1:])],
            constant_frame_rate=len(steps) <= 1,
            color_primaries=colour_name(context.color_primaries),
            color_trc=colour_name(context.color_trc),
            colorspace=colour_name(context.colorspace),
            color_range=colour_name(context.color_range, RANGE_NAMES),
            audio_codec=audio.codec_context.name if audio else None,
            audio_profile=audio.codec_context.profile if audio else None,
            audio_sample_rate=audio.codec_context.sample_rate if audio else None,
            audio_channels=audio.codec_context.channels if audio else None,
            audio_layout=audio.codec_context.layout.name if audio else None,
            audio_duration_sec=float(audio_end) if audio else None,
            metadata=dict(container.metadata),
        )
