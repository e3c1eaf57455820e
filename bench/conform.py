"""Conforming a provider clip (720p24, no audio) to 1080p30, against a plain PyAV transcode of it.

    python -m bench.conform [--seconds 4] [--rounds 3]

The baseline decodes every source frame, scales it to 1080p and encodes it with the same
libx264 settings, nothing else. Conform also pads, resamples to 30 fps (more frames to
encode: 30/24 of them), adds the audio bed and writes the profile's metadata. Both run
in this process, interleaved; the ratio of medians is the number to watch.
Target: conform <= 1.5x the plain transcode.
"""

import tempfile
from pathlib import Path

import av
import numpy as np

from aiprod_assets.media.encode import ClipWriter
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.providers.conform import conform_clip
from bench.render import bench_shot
from bench.timing import bench_arguments, interleaved_medians, print_comparison

TARGET_RATIO = 1.5


def provider_clip(path: Path, seconds: int) -> Path:
    """A 1280x720 24 fps clip with grain and motion, and no audio track, as a provider might send."""
    rng = np.random.default_rng(0)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.codec_context.options = {"preset": "superfast", "crf": "20"}
        x = np.linspace(0, 1, 1280)[None, :]
        y = np.linspace(0, 1, 720)[:, None]
        for index in range(seconds * 24):
            luma = 40 + 160 * (0.5 + 0.5 * np.sin(2 * np.pi * (x * 2 + y + index / 24))) + rng.integers(-5, 6, (720, 1280))
            planes = np.concatenate([luma.ravel(), np.full(2 * 360 * 640, 128.0)]).reshape(1080, 1280)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(planes.astype(np.uint8), format="yuv420p")))
        container.mux(stream.encode(None))
    return path


def plain_transcode(source: Path, out: Path, profile) -> None:
    silence = np.zeros((2, 0), np.float32)
    with av.open(str(source)) as container, ClipWriter(out, profile, "t", "c", silence) as writer:
        for frame in container.decode(video=0):
            writer.write_video(frame.reformat(width=profile.width, height=profile.height, format="yuv420p",
                                              interpolation="BILINEAR").to_ndarray())


def main() -> None:
    args = bench_arguments(__doc__, seconds=4, rounds=3)
    profile = render_profile("1080p", "16:9", 30)
    shot = bench_shot(args.seconds * 30)
    with tempfile.TemporaryDirectory() as tmp:
        source = provider_clip(Path(tmp) / "provider.mp4", args.seconds)
        plain_s, conform_s, report = interleaved_medians(
            args.rounds, lambda: plain_transcode(source, Path(tmp) / "plain.mp4", profile),
            lambda: conform_clip(source, Path(tmp) / "conformed.mp4", shot, profile, "t", "c"))
    print_comparison(
        f"{args.seconds}s of 1280x720@24 to 1920x1080@30, rounds: {args.rounds}; conform: {'; '.join(report.actions)}",
        ("plain transcode", f"{plain_s / args.seconds:.3f}s per second of video"),
        ("conform", f"{conform_s / args.seconds:.3f}s per second of video"),
        "conform / transcode", conform_s / plain_s, TARGET_RATIO)


if __name__ == "__main__":
    main()
