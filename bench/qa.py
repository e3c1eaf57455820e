"""Technical QA time per second of 1080p30 video, against a plain PyAV decode of the same file.

    python -m bench.qa [--seconds 6] [--rounds 3]

Both run in this process, interleaved; the ratio of medians is the number to watch.
Target: technical QA <= 1.5x the plain decode.
"""

import tempfile
from pathlib import Path

import av
import torch

from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.qa.technical import Expectations, check_file
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from bench.render import bench_shot
from bench.timing import bench_arguments, interleaved_medians, print_comparison

TARGET_RATIO = 1.5


def plain_decode(path: Path) -> int:
    """Decode every video and audio frame, as a player would; nothing else."""
    frames = 0
    with av.open(str(path)) as container:
        container.streams.video[0].thread_type = "AUTO"
        for frame in container.decode(*container.streams):
            frames += 1
    return frames


def main() -> None:
    args = bench_arguments(__doc__, seconds=6, rounds=3)
    profile = render_profile("1080p", "16:9", 30)
    shot = bench_shot(args.seconds * 30)
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        render_previz_clip("bench", shot, profile, clip, torch.device("cpu"))
        expect = Expectations(profile, target_duration_sec=args.seconds)
        decode_s, qa_s, checks = interleaved_medians(args.rounds, lambda: plain_decode(clip),
                                                     lambda: check_file(clip, expect))
    print_comparison(
        f"{args.seconds}s of 1920x1080@30, rounds: {args.rounds}; {sum(c.passed for c in checks)}/{len(checks)} checks pass",
        ("plain PyAV decode", f"{decode_s / args.seconds:.3f}s per second of video"),
        ("technical QA", f"{qa_s / args.seconds:.3f}s per second of video"),
        "QA / decode", qa_s / decode_s, TARGET_RATIO)


if __name__ == "__main__":
    main()
