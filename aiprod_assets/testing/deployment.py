"""A queued production deployment on this machine, for tests and benchmarks: deploy/dagster.yaml on a
throwaway Postgres, a real ``dagster-daemon`` over the repository's workspace, the brief-upload sensor
switched on, and briefs dropped in the store as a production team would upload them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

from aiprod_assets.layout import REJECTED, artefact_key, incoming_brief_key
from aiprod_assets.partitions import PRODUCTION_JOB
from aiprod_assets.testing.postgres import ThrowawayPostgres
from aiprod_assets.testing.service import Service

REPO = Path(__file__).resolve().parents[2]
PRODUCTION_YAML = REPO / "deploy" / "dagster.yaml"


def small_brief() -> dict:
    """The lighthouse example at 360p, 2 s, without characters: a whole job in a few seconds."""
    brief = json.loads((REPO / "examples" / "briefs" / "lighthouse-keeper.json").read_text())
    return {**brief, "resolution": "360p", "duration_sec": 2, "characters": []}


class QueuedDeployment(Service):
    def __init__(self, pg: ThrowawayPostgres, max_concurrent_runs: int = 2, gpu_slots: int = 1):
        self.pg, self.max_concurrent_runs, self.gpu_slots = pg, max_concurrent_runs, gpu_slots
        self.folder = Path(tempfile.mkdtemp(prefix="aiprod-deployment-"))
        self.home, self.store_root = self.folder / "dagster", self.folder / "store"
        self.daemon: subprocess.Popen | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **self.pg.env, "DAGSTER_HOME": str(self.home), "AIPROD_STORE": str(self.store_root),
                "AIPROD_MAX_CONCURRENT_RUNS": str(self.max_concurrent_runs), "AIPROD_GPU_SLOTS": str(self.gpu_slots),
                "PYTHONPATH": str(REPO)}

    def instance(self) -> dg.DagsterInstance:
        os.environ.update({k: v for k, v in self.env.items() if k.startswith(("DAGSTER_PG_", "AIPROD_MAX"))})
        return dg.DagsterInstance.from_config(str(self.home))

    def _cli(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(args, cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def start(self) -> QueuedDeployment:
        self.home.mkdir(parents=True)
        shutil.copy(PRODUCTION_YAML, self.home / "dagster.yaml")
        self._cli(sys.executable, "-m", "aiprod_assets.cli.main", "deploy", "pools")
        self._cli("dagster", "sensor", "start", "brief_upload_sensor", "-w", str(REPO / "workspace.yaml"))
        self.daemon = subprocess.Popen(["dagster-daemon", "run", "-w", str(REPO / "workspace.yaml")], cwd=REPO,
                                       env=self.env, stdout=open(self.folder / "daemon.log", "wb"),
                                       stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def stop(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            os.killpg(self.daemon.pid, 15)
            try:
                self.daemon.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.daemon.pid, 9)
        shutil.rmtree(self.folder, ignore_errors=True)

    def upload(self, job_ids: list[str], brief: dict) -> None:
        for job_id in job_ids:
            path = self.store_root / incoming_brief_key(f"{job_id}.json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({**brief, "job_id": job_id}))

    def delivered(self, job_ids: list[str]) -> list[str]:
        return [j for j in job_ids if (self.store_root / artefact_key("delivery_manifest", j)).exists()]

    def wait_delivered(self, job_ids: list[str], instance: dg.DagsterInstance, timeout_sec: float) -> float:
        """Seconds until every job delivered; a failed production run or the timeout raises, with the log."""
        started = time.monotonic()
        while len(self.delivered(job_ids)) < len(job_ids):
            failed = instance.get_runs(filters=dg.RunsFilter(job_name=PRODUCTION_JOB,
                                                             statuses=[dg.DagsterRunStatus.FAILURE]))
            rejected = list((self.store_root / REJECTED).glob("*.error.json"))
            if failed or rejected or time.monotonic() - started > timeout_sec or self.daemon.poll() is not None:
                raise RuntimeError(f"{len(self.delivered(job_ids))}/{len(job_ids)} delivered; failed runs "
                                   f"{[r.run_id for r in failed]}; rejected {[p.name for p in rejected]}; "
                                   f"daemon log:\n{self.daemon_log()[-4000:]}")
            time.sleep(1.0)
        # The last run has written its manifest; wait for its run record to say it finished.
        while instance.get_runs(filters=dg.RunsFilter(job_name=PRODUCTION_JOB, statuses=[
                dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED])):
            time.sleep(0.5)
        return time.monotonic() - started

    def daemon_log(self) -> str:
        path = self.folder / "daemon.log"
        return path.read_text(errors="replace") if path.exists() else ""


def step_intervals(instance: dg.DagsterInstance, step_key: str) -> list[tuple[float, float, str]]:
    """(start, end, run id) of every execution of ``step_key``, from the event log."""
    intervals = []
    for run in instance.get_runs(filters=dg.RunsFilter(job_name=PRODUCTION_JOB)):
        starts, ends = {}, {}
        for record in instance.all_logs(run.run_id):
            event = record.dagster_event
            if event is None or event.step_key != step_key:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                starts[step_key] = record.timestamp
            elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE):
                ends[step_key] = record.timestamp
        if step_key in starts:
            intervals.append((starts[step_key], ends.get(step_key, float("inf")), run.run_id))
    return sorted(intervals)


def most_at_once(intervals: list[tuple[float, float, str]]) -> int:
    edges = sorted([(start, 1) for start, _, _ in intervals] + [(end, -1) for _, end, _ in intervals],
                   key=lambda edge: (edge[0], edge[1]))
    peak = running = 0
    for _, change in edges:
        running += change
        peak = max(peak, running)
    return peak


def run_intervals(instance: dg.DagsterInstance) -> list[tuple[float, float, str]]:
    records = instance.get_run_records(filters=dg.RunsFilter(job_name=PRODUCTION_JOB))
    return sorted((r.start_time, r.end_time or float("inf"), r.dagster_run.run_id) for r in records if r.start_time)
