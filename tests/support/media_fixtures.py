"""Small real MP4 files, on spec or off it in exactly one way, made with PyAV for the QA tests."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from scipy import signal

from aiprod_assets.media.loudness import normalize_loudness
from aiprod_assets.planning.profiles import render_profile

PROFILE = render_profile("360p", "16:9", 30)  # what the fixtures are judged against
SECONDS = 3


def _picture(index: int, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A moving gradient with grain: luma 30-220, so levels stay legal and every frame differs."""
    x = np.linspace(0, 1, width)[None, :]
    y = np.linspace(0, 1, height)[:, None]
    luma = 30 + 190 * (0.5 + 0.5 * np.sin(2 * np.pi * (x * 2 + y + index / 30)))
    luma = luma + rng.integers(-6, 7, (height, width))
    chroma_u = np.full((height // 2, width // 2), 110.0)
    chroma_v = np.full((height // 2, width // 2), 150.0)
    return np.concatenate([luma.ravel(), chroma_u.ravel(), chroma_v.ravel()]).reshape(height * 3 // 2, width)


def _audio(seconds: float, rate: int, channels: int, loudness: float | None) -> np.ndarray:
    n = int(seconds * 48_000)
    t = np.arange(n) / 48_000
    tone = sum(np.sin(2 * np.pi * f * t) / (k + 1) for k, f in enumerate((220.0, 277.18, 329.63)))
    bed = np.stack([tone] * channels)
    bed = normalize_loudness(bed, loudness, -1.0) if loudness is not None else np.zeros_like(bed)
    if rate != 48_000:
        bed = signal.resample_poly(bed, rate // 100, 480, axis=-1)
    return bed.astype(np.float32)


def make_clip(path: Path, *, width=PROFILE.width, height=PROFILE.height, fps=30, codec="libx264",
              pix_fmt="yuv420p", bitrate=2_500_000, audio=True, channels=2, rate=48_000, loudness=-23.0,
              color_range=1, vfr=False, faststart=True, black=None, frozen=None, metadata=True,
              seconds=SECONDS, audio_delay_sec=0.0, video_delay_frames=0, samples=None, pictures=None) -> Path:
    """Write a clip (SECONDS long unless told); each keyword moves it off the profile in one way.

    ``audio_delay_sec`` starts the sound that late (negative: early); ``samples`` replaces the sound bed
    ((channels, n) at ``rate``); ``pictures(index, rng)`` replaces each frame's YUV 4:2:0 picture. ``fps``
    may be a Fraction (24000/1001)."""
    rng = np.random.default_rng(0)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format="mp4", options=options) as container:
        if metadata:
            container.metadata["title"], container.metadata["comment"] = "fixture", "qa fixture"
        video = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        video.width, video.height, video.pix_fmt, video.bit_rate = width, height, pix_fmt, bitrate
        kbps = bitrate // 1000
        if codec == "libx264":
            video.codec_context.options = {"preset": "superfast", "x264-params":
                                           f"keyint={round(fps)}:nal-hrd=cbr:vbv-maxrate={kbps}:vbv-bufsize={kbps}"}
        else:
            video.codec_context.options = {"preset": "ultrafast", "x265-params":
                                           f"strict-cbr=1:vbv-maxrate={kbps}:vbv-bufsize={kbps}:log-level=error"}
        context = video.codec_context
        context.color_primaries = context.color_trc = context.colorspace = 1
        context.color_range = color_range
        if vfr:
            video.time_base = context.time_base = Fraction(1, fps * 2)
        astream = None
        if audio:
            astream = container.add_stream("aac", rate=rate, layout="stereo" if channels == 2 else "mono")
        frames = round(seconds * fps)
        pts = video_delay_frames
        frozen_picture = None
        for index in range(frames):
            picture = pictures(index, rng) if pictures else _picture(index, width, height, rng)
            if black and black[0] <= index < black[1]:
                picture[:height] = 16 + rng.integers(0, 5, (height, width))
                picture[height:] = 128
            if frozen and frozen[0] <= index < frozen[1]:
                frozen_picture = picture if frozen_picture is None else frozen_picture
                picture = frozen_picture
            frame = av.VideoFrame.from_ndarray(picture.astype(np.uint8), format="yuv420p")
            if pix_fmt != "yuv420p":
                frame = frame.reformat(format=pix_fmt)
            frame.pts = pts
            if vfr:
                frame.time_base = Fraction(1, fps * 2)
            # Variable frame rate: intervals of 1 and 3 half-frames, 30 fps on average.
            pts += ((1 if index % 2 else 3) if vfr else 1)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if astream is not None:
            bed = samples if samples is not None else _audio(seconds, rate, channels, loudness)
            bed = np.ascontiguousarray(bed, dtype=np.float32)
            delay = round(audio_delay_sec * rate)
            for start in range(0, bed.shape[1], 1024):
                chunk = np.ascontiguousarray(bed[:, start:start + 1024])
                out = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=astream.layout.name)
                out.sample_rate, out.pts, out.time_base = rate, start + delay, Fraction(1, rate)
                container.mux(astream.encode(out))
            container.mux(astream.encode(None))
    return path


def truncated_copy(source: Path, path: Path, keep: float = 0.6) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


# name -> (how to make it, the checks it must fail)
OFF_SPEC: dict[str, tuple[dict, set[str]]] = {
    "good": ({}, set()),
    "720p": ({"width": 1280, "height": 720}, {"resolution"}),
    "25fps": ({"fps": 25}, {"frame_rate"}),
    "vfr": ({"vfr": True}, {"constant_frame_rate"}),
    "hevc": ({"codec": "libx265"}, {"codec"}),
    "no-audio": ({"audio": False}, {"audio", "av_sync", "loudness", "true_peak", "silence", "audio_dropout",
                                    "clipping"}),
    "mono-44k": ({"channels": 1, "rate": 44_100}, {"audio"}),
    "12mbps": ({"bitrate": 12_000_000}, {"bitrate"}),
    "10bit": ({"pix_fmt": "yuv420p10le"}, {"pix_fmt", "codec"}),
    "full-range": ({"color_range": 2}, {"color_range"}),
    "moov-at-end": ({"faststart": False}, {"faststart"}),
    "black-run": ({"black": (30, 60)}, {"black_frames"}),
    "frozen-run": ({"frozen": (30, 60)}, {"frozen_frames"}),
    "silent": ({"loudness": None}, {"silence", "loudness"}),
    "too-loud": ({"loudness": -13.0}, {"loudness"}),
    "no-metadata": ({"metadata": False}, {"metadata"}),
}


def build_fixtures(folder: Path) -> dict[str, Path]:
    paths = {name: make_clip(folder / f"{name}.mp4", **kwargs) for name, (kwargs, _) in OFF_SPEC.items()}
    paths["truncated"] = truncated_copy(paths["good"], folder / "truncated.mp4")
    return paths



def broadcast_fault_clip(path: Path, profile, frames: int, fault: str) -> Path:
    """A clip to ``profile`` with one broadcast fault: "flash" (full-field 6 Hz black/white) or "dropout"
    (250 ms of digital silence in the middle of the sound)."""
    width, height, fps = profile.width, profile.height, profile.fps
    seconds = frames / fps

    def flashing(index, rng):
        luma = 235 if int(12 * index / fps) % 2 == 0 else 16
        picture = np.full((height * 3 // 2, width), 128.0)
        picture[:height] = np.clip(luma + rng.integers(-2, 3, (height, width)), 16, 235)
        return picture

    samples = None
    if fault == "dropout":
        samples = _audio(seconds, 48_000, 2, -23.0)
        middle = samples.shape[1] // 2
        samples[:, middle:middle + 12_000] = 0.0
    return make_clip(path, width=width, height=height, fps=fps, seconds=seconds, samples=samples,
                     pictures=flashing if fault == "flash" else None)
