"""previz throughput at 1080p30 against a plain PyAV libx264 encode of the same frames.

    python -m bench.render [--frames 90] [--rounds 3]

Both run in this process, interleaved, so machine noise hits them alike; the ratio of
medians is the number to watch. Target on the CPU: render+encode <= 1.5x the plain encode.
"""

import tempfile
from pathlib import Path

import torch

from aiprod_assets.contracts import Shot, ShotSpec
from aiprod_assets.media.encode import ClipWriter
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.previz.audio import audio_bed
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from aiprod_assets.rendering.previz.scene import PrevizScene
from bench.timing import bench_arguments, interleaved_medians, print_comparison

TARGET_RATIO = 1.5


def bench_shot(frames: int) -> Shot:
    spec = ShotSpec(prompt="An old lighthouse keeper climbs the spiral stairs as a storm rolls in.",
                    duration_sec=frames / 30, frames=frames, camera_move="pan", lighting="low-key",
                    palette=["#1B2A41", "#F2A65A", "#E8E1D9"], mood="melancholic",
                    caption="01 s01-01 An old lighthouse keeper climbs the spiral stairs")
    return Shot(shot_id="s01-01", scene_id="s01", index=0, spec=spec, seed=1234, backend="previz",
                backend_version="previz-1", spec_hash="0" * 64)


def main() -> None:
    args = bench_arguments(__doc__, frames=90, rounds=3)
    device = torch.device("cpu")
    profile = render_profile("1080p", "16:9", 30)
    shot = bench_shot(args.frames)
    scene = PrevizScene(shot.spec, profile, shot.seed, device)
    premade = [scene.frame(i) for i in range(args.frames)]
    audio = audio_bed(shot.spec, profile, shot.seed)
    with tempfile.TemporaryDirectory() as tmp:
        def plain_encode() -> None:
            with ClipWriter(Path(tmp) / "plain.mp4", profile, "bench", "plain encode", audio) as writer:
                for frame in premade:
                    writer.write_video(frame)

        plain_s, rendered_s, _ = interleaved_medians(
            args.rounds, plain_encode,
            lambda: render_previz_clip("bench", shot, profile, Path(tmp) / "previz.mp4", device))
    print_comparison(
        f"frames: {args.frames} at 1920x1080@30, rounds: {args.rounds}, torch threads: {torch.get_num_threads()}",
        ("plain libx264 encode of pre-made frames", f"{plain_s:.2f}s ({args.frames / plain_s:.1f} fps)"),
        ("previz render + encode", f"{rendered_s:.2f}s ({args.frames / rendered_s:.1f} fps)"),
        "render+encode / plain encode", rendered_s / plain_s, TARGET_RATIO)


if __name__ == "__main__":
    main()
