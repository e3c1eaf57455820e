"""Shots to a remote provider at once: 8 shots against a local Runway-compatible server whose tasks take
3 s each, concurrency limit 4.

    python -m bench.providers [--shots 8] [--limit 4]

Prints the wall time with the limit, one shot alone (its fixed overhead: submit, poll, download, conform),
and the same shots one after another, all in this process. Target: at most 1.5 x (shots / limit x 3 s)
plus the fixed overhead.
"""

import tempfile
import time
from pathlib import Path

import torch

from aiprod_assets.contracts import Shot, ShotList, ShotSpec
from aiprod_assets.costing.pricing import load_pricing
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.backend_chain import build_chain
from aiprod_assets.rendering.clips import ClipRenderer
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from aiprod_assets.testing.timed_provider import TimedRunwayServer
from bench.timing import bench_arguments
from resources.artifact_store import LocalArtifactStore
from resources.gpu import TorchDevice
from resources.render_backends import ProviderSettings, RenderBackends

TASK_SECONDS = 3.0
PROFILE = render_profile("360p", "16:9", 24)


def _shots(count: int) -> ShotList:
    shots = []
    for n in range(count):
        spec = ShotSpec(prompt=f"Shot {n + 1}: waves break on the rocks below the lighthouse.", duration_sec=2.0,
                        frames=48, camera_move="pan", lighting="natural", palette=["#1B2A41", "#F2A65A"],
                        mood="calm", caption=f"{n + 1:02d} waves")
        shots.append(Shot(shot_id=f"s{n + 1:02d}-01", scene_id=f"s{n + 1:02d}", index=n, spec=spec, seed=n + 1,
                          backend="runway", backend_version="gen4.5", spec_hash=f"{n:064d}"))
    return ShotList(job_id="bench-providers", profile=PROFILE, shots=shots, total_frames=48 * count)


def _run(folder: Path, server_url: str, shots: ShotList, concurrency: int) -> float:
    store = LocalArtifactStore(root=str(folder))
    backends = RenderBackends(gpu=TorchDevice(device="cpu"), runway=ProviderSettings(
        api_key="bench-key", base_url=server_url, poll_interval_sec=0.2, requests_per_minute=600))
    chain = build_chain(["runway"], backends, store)
    renderer = ClipRenderer(job_id=shots.job_id, shot_list=shots, chain=chain, store=store, pricing=load_pricing(),
                            gpu_model="CPU", concurrency=concurrency)
    started = time.perf_counter()
    records = renderer.render_all()
    assert len(records) == len(shots.shots) and not any(r.reused for r in records)
    return time.perf_counter() - started


def main() -> None:
    args = bench_arguments(__doc__, shots=8, limit=4)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "provider.mp4"
        render_previz_clip("bench", _shots(1).shots[0], PROFILE, source, torch.device("cpu"))
        shots = _shots(args.shots)
        with TimedRunwayServer(source.read_bytes(), TASK_SECONDS) as server:
            concurrent = _run(Path(tmp) / "concurrent", server.base_url, shots, args.limit)
            peak = server.peak_running
            alone = _run(Path(tmp) / "alone", server.base_url, _shots(1), 1)
            sequential = _run(Path(tmp) / "sequential", server.base_url, shots, 1)
    waves = -(-args.shots // args.limit)
    overhead = max(0.0, alone - TASK_SECONDS)
    target = 1.5 * waves * TASK_SECONDS + overhead
    print(f"{args.shots} shots, {TASK_SECONDS:g} s per task, limit {args.limit} (peak {peak} at once on the server)")
    print(f"one shot alone: {alone:.2f} s (fixed overhead {overhead:.2f} s)")
    print(f"one after another: {sequential:.2f} s")
    print(f"concurrent: {concurrent:.2f} s = {sequential / concurrent:.2f}x faster; target <= 1.5 x {waves} x "
          f"{TASK_SECONDS:g} s + {overhead:.2f} s = {target:.2f} s: {'met' if concurrent <= target else 'NOT met'}")


if __name__ == "__main__":
    main()
