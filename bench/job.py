"""A whole job against its own render: the lighthouse-keeper example at 1080p30, through `aiprod run`.

    python -m bench.job [--durations 12,60,300]

One home for every job, warmed by a 2 s job first (it measures the device profile, once per machine).
For each duration: a plain render + encode of the job's shots in a device worker, the process the job's
shots render in (the baseline), then `aiprod run` in a child process from its start to delivered, with the
peak RSS of the child and the device worker it starts, together.
For the first duration also a no-op re-run (process start included), the final_cut step's seconds from
the run's event log (with every step's, and the time outside the run), and a re-run after editing one shot
(`aiprod edit-shot`) against 1.5x that shot's render plus the no-op. Prints the whole-job ratio (target
<= 1.5), the no-op seconds (<= 5), the final_cut seconds (<= 1.5) and seconds per output second for each
duration (it should stay flat), with peak RSS (<= 1 GB at 60 s).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import dagster as dg
import psutil
from dagster._core.instance.ref import InstanceRef

from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.intake.submission import brief_record
from aiprod_assets.planning.local_planner import plan_production
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.planning.shots import build_shot_list
from aiprod_assets.rendering.previz.device_worker import DeviceWorker

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "briefs" / "lighthouse-keeper.json"
TARGETS = {"ratio": 1.5, "noop": 5.0, "final_cut": 1.5, "rss_mb_60s": 1024.0}


def _aiprod() -> str:
    beside = Path(sys.executable).parent / "aiprod"
    return str(beside) if beside.exists() else "aiprod"


def plain_render_seconds(brief: dict, folder: Path) -> tuple[float, dict[str, float]]:
    """The job's shots rendered and encoded by previz, nothing else: what the job's wall time is set against
    (in all, and per shot). They render in a device worker, the process `aiprod run` renders in, so the
    render runs as it does in the job (its process's settings included), with torch already imported."""
    sanitized = sanitize(brief_record(brief["job_id"], "bench", json.dumps(brief).encode()), 500)
    spec = sanitized.brief
    profile = render_profile(spec.resolution, spec.aspect_ratio, spec.fps)
    shots = build_shot_list(plan_production(sanitized), profile, "previz", "bench")
    worker = DeviceWorker.start()
    try:
        worker.describe("auto", 0)  # torch imported: the job's worker does that while Dagster loads
        each = {shot.shot_id: worker.render(brief["job_id"], shot, profile, folder / f"{shot.shot_id}.mp4", "auto", 0)
                for shot in shots.shots}
    finally:
        worker.close()
    return sum(each.values()), each


class TreeMemory(threading.Thread):
    """The peak of the summed RSS of a process and its children (the CLI and its device worker), sampled."""

    def __init__(self, pid: int, every_sec: float = 0.05):
        super().__init__(daemon=True)
        self.process, self.every_sec, self.peak = psutil.Process(pid), every_sec, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every_sec):
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass  # a process ended between the listing and the reading


def timed_run(brief_path: Path, home: Path, *command: str) -> tuple[float, float, str]:
    """(wall seconds from process start, peak RSS in MB of the process and its device worker together,
    stdout) of one `aiprod run` (or ``command``)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "AIPROD_STORE")}
    env["AIPROD_HOME"] = str(home / ".aiprod")
    started = time.perf_counter()
    child = subprocess.Popen([_aiprod(), *(command or ("run", str(brief_path)))], cwd=home, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    memory = TreeMemory(child.pid)
    memory.start()
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    memory.stopped.set()
    memory.join()
    if status != 0:
        sys.exit(f"aiprod run failed:\n{out[-2000:]}")
    return seconds, max(usage.ru_maxrss * 1024, memory.peak) / 2**20, out


def step_seconds(home: Path, job_id: str) -> tuple[dict[str, float], float]:
    """Each step's seconds in the job's first run, and the run's own span (first event to last)."""
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home / ".aiprod" / "dagster"))) as instance:
        first_run = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": job_id}), limit=10)[-1]
        entries = instance.all_logs(first_run.run_id)
    started, took = {}, {}
    for entry in entries:
        event = entry.dagster_event
        if entry.step_key and event is not None:
            if event.event_type_value == "STEP_START":
                started[entry.step_key] = entry.timestamp
            elif event.event_type_value == "STEP_SUCCESS":
                took[entry.step_key] = entry.timestamp - started[entry.step_key]
    return took, entries[-1].timestamp - entries[0].timestamp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--durations", default="12,60,300", help="seconds of video per job, comma separated")
    durations = [int(d) for d in parser.parse_args().durations.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        warm_up = home / "bench-warm-up.json"
        warm_up.write_text(json.dumps({"job_id": "bench-warm-up", "prompt": "A lighthouse at dusk.",
                                       "duration_sec": 2, "budget_usd": 1.0, "resolution": "360p"}))
        timed_run(warm_up, home)
        for n, duration in enumerate(durations):
            brief = {**json.loads(EXAMPLE.read_text()), "job_id": f"bench-job-{duration}", "duration_sec": duration,
                     "budget_usd": 50.0}
            brief_path = home / f"bench-job-{duration}.json"
            brief_path.write_text(json.dumps(brief))
            render, each = plain_render_seconds(brief, home)
            job, rss, _ = timed_run(brief_path, home)
            rows.append((duration, render, job, rss))
            if n == 0:
                noop, _, said = timed_run(brief_path, home)
                steps, in_run = step_seconds(home, brief["job_id"])
                cut = steps["final_cut"]
                print(f"{duration} s job: whole job {job:.1f} s / plain render + encode {render:.1f} s = "
                      f"{job / render:.2f}x (target <= {TARGETS['ratio']})")
                print(f"no-op re-run: {noop:.2f} s, process start included (target <= {TARGETS['noop']:g} s)"
                      + ("" if "nothing to make" in said else "  [the graph ran]"))
                print(f"final_cut step: {cut:.2f} s (target <= {TARGETS['final_cut']})")
                # Where the job's time goes beside the render: process start, imports and the instance come
                # before the run's first event; the steps' own seconds follow.
                print(f"  outside the run (process start, imports, instance, summary): {job - in_run:.1f} s; "
                      + ", ".join(f"{step} {seconds:.2f}" for step, seconds in steps.items()))
                shot_id = next(iter(each))
                timed_run(brief_path, home, "review", "add-user", "bench", "--role", "approver")
                edited, _, _ = timed_run(brief_path, home, "edit-shot", brief["job_id"], shot_id, "--as", "bench",
                                         "--lighting", "night")
                bar = 1.5 * each[shot_id] + noop
                print(f"re-run after editing {shot_id}: {edited:.1f} s, the edit included (target <= 1.5 x its render "
                      f"{each[shot_id]:.1f} s + no-op {noop:.1f} s = {bar:.1f} s: {'met' if edited <= bar else 'NOT met'})")
    print(f"\n{'duration':>9} {'render s':>9} {'job s':>8} {'ratio':>6} {'job s per output s':>19} {'peak RSS':>9}")
    for duration, render, job, rss in rows:
        print(f"{duration:>8}s {render:>9.1f} {job:>8.1f} {job / render:>6.2f} {job / duration:>19.2f} "
              f"{rss:>7.0f}MB")


if __name__ == "__main__":
    main()
