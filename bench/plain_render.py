"""The plain render a job is set against: its shots rendered and encoded by previz in a device worker, nothing
else (bench/job.py)."""

import json
from pathlib import Path

import psutil

from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.intake.submission import brief_record
from aiprod_assets.planning.local_planner import plan_production
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.planning.shots import build_shot_list
from aiprod_assets.rendering.previz.device_worker import DeviceWorker
from bench.aiprod_cli import cpu_seconds


def planned_shots(brief: dict):
    """The brief's render profile and shot list, as the job plans them."""
    sanitized = sanitize(brief_record(brief["job_id"], "bench", json.dumps(brief).encode()), 500)
    spec = sanitized.brief
    profile = render_profile(spec.resolution, spec.aspect_ratio, spec.fps)
    return profile, build_shot_list(plan_production(sanitized), profile, "previz", "bench")


def plain_render_seconds(brief: dict, folder: Path) -> tuple[float, dict[str, float], float]:
    """The job's shots rendered and encoded by previz, nothing else: what the job's wall time is set against
    (in all, and per shot), and the CPU seconds the render took. They render in a device worker, the process
    `aiprod run` renders in, so the render runs as it does in the job (its process's settings included),
    with torch already imported."""
    profile, shots = planned_shots(brief)
    worker = DeviceWorker.start()
    try:
        worker.describe("auto", 0)  # torch imported: the job's worker does that while Dagster loads
        before = cpu_seconds(psutil.Process(worker.pid))
        each = {shot.shot_id: worker.render(brief["job_id"], shot, profile, folder / f"{shot.shot_id}.mp4", "auto",
                                            0)[0] for shot in shots.shots}
        render_cpu = cpu_seconds(psutil.Process(worker.pid)) - before
    finally:
        worker.close()
    return sum(each.values()), each, render_cpu
