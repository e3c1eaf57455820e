"""Conform a provider's clip to the render profile, so QA judges the file we deliver.

Providers answer with their own size, frame rate, length and often no audio. The clip
is scaled to fit and padded, resampled to the profile's constant frame rate (nearest
earlier source frame), trimmed to the shot, or slowed to fill it when the provider's
longest clip is shorter, given the shot's audio bed when it has no usable sound, and
re-encoded to the profile.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np

from aiprod_assets.contracts import RenderProfile, Shot
from aiprod_assets.failures import ShotFatalError
from aiprod_assets.media.decode import audio_samples
from aiprod_assets.media.encode import ClipWriter
from aiprod_assets.media.loudness import integrated_loudness, normalize_loudness
from aiprod_assets.media.probe import MediaInfo, probe
from aiprod_assets.qa.as_encoded import EncodedPictures, encode_measured
from aiprod_assets.rendering.previz.audio import audio_bed
from aiprod_assets.rendering.transitions import cut_keyframes

BLACK_Y, NEUTRAL_CHROMA = 16, 128
# Source sound quieter than this, or covering less of the shot than this share, is replaced by the bed.
SILENT_LUFS = -60.0
MIN_AUDIO_COVERAGE = 0.9


@dataclass
class ConformReport:
    source: MediaInfo
    actions: list[str] = field(default_factory=list)
    # The clip's pictures measured as they were encoded (conform_clip's ``measure``), for QA; else None.
    encoded: EncodedPictures | None = None


def probe_source(path: Path) -> MediaInfo:
    """Size, rate, length and tracks from the packets alone; an unreadable file is the provider's fault."""
    try:
        return probe(path)
    except (av.FFmpegError, IndexError) as err:
        raise ShotFatalError(f"provider output is not a readable video: {err}") from err


def fit_inside(width: int, height: int, box_width: int, box_height: int) -> tuple[int, int]:
    """The largest even size with the source's aspect that fits the box."""
    scale = min(box_width / width, box_height / height)
    return (min(box_width, max(2, round(width * scale / 2) * 2)),
            min(box_height, max(2, round(height * scale / 2) * 2)))


def _pad(planes: np.ndarray, width: int, height: int, profile: RenderProfile) -> np.ndarray:
    """Centre a (h*3/2, w) yuv420p picture on a black frame of the profile's size."""
    out_w, out_h = profile.width, profile.height
    y = np.full((out_h, out_w), BLACK_Y, np.uint8)
    u = np.full((out_h // 2, out_w // 2), NEUTRAL_CHROMA, np.uint8)
    v = u.copy()
    left, top = (out_w - width) // 4 * 2, (out_h - height) // 4 * 2
    y[top:top + height, left:left + width] = planes[:height]
    chroma = planes[height:].reshape(2, height // 2, width // 2)
    u[top // 2:(top + height) // 2, left // 2:(left + width) // 2] = chroma[0]
    v[top // 2:(top + height) // 2, left // 2:(left + width) // 2] = chroma[1]
    return np.concatenate([y.ravel(), u.ravel(), v.ravel()]).reshape(out_h * 3 // 2, out_w)


def _timed_frames(path: Path) -> Iterator[tuple[float, av.VideoFrame]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        start = float((stream.start_time or 0) * stream.time_base)
        for index, frame in enumerate(container.decode(stream)):
            time = frame.time if frame.time is not None else index / float(stream.average_rate or 1)
            yield time - start, frame


def conformed_frames(path: Path, info: MediaInfo, frames: int, profile: RenderProfile,
                     time_scale: float) -> Iterator[np.ndarray]:
    """``frames`` pictures at the profile's rate: output time t shows the source at t * time_scale."""
    width, height = fit_inside(info.width, info.height, profile.width, profile.height)
    source = _timed_frames(path)
    current = next(source, None)
    if current is None:
        raise ShotFatalError("provider output has no video frames")
    upcoming = next(source, None)
    picture = None
    for index in range(frames):
        wanted = index / profile.fps * time_scale + 1e-6
        moved = picture is None
        while upcoming is not None and upcoming[0] <= wanted:
            current, upcoming, moved = upcoming, next(source, None), True
        if moved:
            scaled = current[1].reformat(width=width, height=height, format="yuv420p",
                                         interpolation="BILINEAR").to_ndarray()
            picture = _pad(scaled, width, height, profile)
        yield picture


def conformed_audio(path: Path, info: MediaInfo, shot: Shot, profile: RenderProfile,
                    report: ConformReport) -> np.ndarray:
    needed = shot.spec.frames * profile.audio_sample_rate // profile.fps
    has_audio = info.audio_codec is not None
    samples = audio_samples(path, profile.audio_sample_rate) if has_audio else np.zeros((2, 0), np.float32)
    usable = samples.shape[1] >= MIN_AUDIO_COVERAGE * needed and integrated_loudness(samples) > SILENT_LUFS
    if not usable:
        report.actions.append("audio bed added: " + ("no audio track" if not has_audio
                                                     else "source audio silent or too short"))
        return audio_bed(shot.spec, profile, shot.seed)
    samples = samples[:, :needed]
    if samples.shape[1] < needed:
        samples = np.pad(samples, ((0, 0), (0, needed - samples.shape[1])))
    report.actions.append(f"source audio loudness-normalized to {profile.loudness_lufs:g} LUFS")
    return normalize_loudness(samples, profile.loudness_lufs, profile.true_peak_dbtp)


def conform_clip(source: Path, out: Path, shot: Shot, profile: RenderProfile, title: str, comment: str,
                 encoder: str = "libx264", measure: bool = False) -> ConformReport:
    """Write ``out`` to the profile from the provider's ``source``; say what had to change, and with
    ``measure`` what QA measures of its pictures, measured as they were encoded."""
    info = probe_source(Path(source))
    report = ConformReport(source=info)
    needed_sec = shot.spec.frames / profile.fps
    if info.duration_sec <= 0:
        raise ShotFatalError("provider output has no duration")
    time_scale = min(1.0, info.duration_sec / needed_sec)
    if (info.width, info.height) != (profile.width, profile.height):
        fitted = fit_inside(info.width, info.height, profile.width, profile.height)
        report.actions.append(f"scaled {info.width}x{info.height} to {fitted[0]}x{fitted[1]}"
                              + (f", padded to {profile.width}x{profile.height}"
                                 if fitted != (profile.width, profile.height) else ""))
    if abs(info.average_fps - profile.fps) > 0.01:
        report.actions.append(f"frame rate {info.average_fps:g} to {profile.fps} fps")
    if info.duration_sec > needed_sec + 0.5 / profile.fps:
        report.actions.append(f"trimmed {info.duration_sec:.2f} s to {needed_sec:.2f} s")
    elif time_scale < 1.0:
        report.actions.append(f"slowed {info.duration_sec:.2f} s to fill {needed_sec:.2f} s")
    audio = conformed_audio(Path(source), info, shot, profile, report)

    def write(on_picture) -> None:
        with ClipWriter(out, profile, title, comment, audio, encoder=encoder, keyframes=cut_keyframes(shot, profile),
                        on_picture=on_picture) as writer:
            for picture in conformed_frames(Path(source), info, shot.spec.frames, profile, time_scale):
                writer.write_video(picture)
    _, report.encoded = encode_measured(shot.spec.frames, profile.fps, out, measure, write)
    return report
