"""The GPU paths, for a machine that has one: previz on CUDA with NVENC, the tiny diffusers pipeline on
CUDA, and the real self-hosted model when its weights are present (AIPROD_WAN_MODEL).

    python -m bench.gpu [--frames 90]

Prints frames per second and the real-time factor (seconds of work per second of video; below 1 is faster
than real time) for each. Without a GPU it says so and measures nothing.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

import torch

from aiprod_assets.media.encode import choose_encoder
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.backend import RenderRequest
from aiprod_assets.rendering.diffusion.backend import (
    DiffusionBackend,
    DiffusionOptions,
    frames_for,
)
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from aiprod_assets.testing.tiny_diffusion import TINY_OPTIONS, save_tiny_wan
from bench.render import bench_shot
from bench.timing import bench_arguments


def line(label: str, frames: int, seconds: float, video_seconds: float) -> str:
    return (f"{label:<46} {seconds:7.2f} s  {frames / seconds:7.1f} fps  "
            f"real-time factor {seconds / video_seconds:6.2f}")


def main() -> None:
    args = bench_arguments(__doc__, frames=90)
    if not torch.cuda.is_available():
        print("no GPU found: torch.cuda.is_available() is False on this machine; nothing measured "
              "(run python -m bench.gpu where a CUDA device is present)")
        return
    device = torch.device("cuda")
    print(f"GPU: {torch.cuda.get_device_name(device)}; torch {torch.__version__}, CUDA {torch.version.cuda}; "
          f"encoder on CUDA: {choose_encoder('cuda')}")
    profile = render_profile("1080p", "16:9", 30)
    shot = bench_shot(args.frames)
    with tempfile.TemporaryDirectory() as tmp:
        render_previz_clip("bench", bench_shot(10), profile, Path(tmp) / "warm.mp4", device)  # CUDA context
        seconds = render_previz_clip("bench", shot, profile, Path(tmp) / "previz.mp4", device)
        print(line("previz 1080p30, CUDA + " + choose_encoder("cuda"), args.frames, seconds, args.frames / 30))
        tiny = str(save_tiny_wan(Path(tmp) / "tiny-wan"))
        for quantization in ("FP32", "BF16"):
            options = DiffusionOptions(model=tiny, **TINY_OPTIONS)
            backend = DiffusionBackend(options, device, quantization, encoder=choose_encoder("cuda"))
            small = render_profile("360p", "16:9", 30)
            request = RenderRequest("bench", shot, small, Path(tmp) / f"tiny-{quantization}.mp4")
            backend.render(request)  # load and warm
            started = time.perf_counter()
            backend.render(request)
            frames = frames_for(shot.spec.duration_sec, options.fps)
            print(line(f"tiny Wan pipeline, CUDA {quantization} (32x32, 2 steps)", frames,
                       time.perf_counter() - started, shot.spec.duration_sec))
        model = os.environ.get("AIPROD_WAN_MODEL")
        if not model:
            print("real model: skipped (set AIPROD_WAN_MODEL to a folder or cached repo id of Wan 2.1 T2V 1.3B)")
            return
        options = DiffusionOptions(model=model, steps=int(os.environ.get("AIPROD_WAN_STEPS", "30")))
        backend = DiffusionBackend(options, device, os.environ.get("AIPROD_QUANTIZATION", "BF16"),
                                   encoder=choose_encoder("cuda"))
        request = RenderRequest("bench", shot, render_profile("720p", "16:9", 30), Path(tmp) / "wan.mp4")
        started = time.perf_counter()
        result = backend.render(request)
        frames = frames_for(shot.spec.duration_sec, options.fps)
        print(line(f"Wan 2.1 T2V 1.3B, {options.width}x{options.height}, {options.steps} steps", frames,
                   time.perf_counter() - started, shot.spec.duration_sec)
              + f"  (first call, load included; notes: {'; '.join(result.notes)})")
        print(f"peak GPU memory: {torch.cuda.max_memory_allocated(device) / 2**30:.1f} GiB", file=sys.stdout)


if __name__ == "__main__":
    main()
