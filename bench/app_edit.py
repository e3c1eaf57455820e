"""A shot edited in the review app, where reviewers edit: from the request to the job's new run succeeded.

The app (`aiprod review`, which runs what edits call for in its own process, its previz shots in a device
worker it starts) is started once over the bench's home and stays up, as it does for a reviewer: Dagster and
the code location are loaded once. Two edits are timed, the app's first and the next, each from the POST to
its run's success in the Dagster instance, with the CPU seconds of the app and its worker meanwhile.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import httpx
import psutil
from dagster._core.instance.ref import InstanceRef

from aiprod_assets.testing.local_server import free_port
from bench.aiprod_cli import aiprod_env, aiprod_script, cpu_seconds


def _latest_run(instance: dg.DagsterInstance, job_id: str) -> dg.RunRecord | None:
    records = instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": job_id}), limit=1)
    return records[0] if records else None


@dataclass
class Edited:
    seconds: float  # from the edit's request to its run's success
    cpu_sec: float  # the app's process and its device worker's, meanwhile


def _edit_and_wait(url: str, token: str, instance: dg.DagsterInstance, job_id: str, shot_id: str, fields: dict,
                   app: psutil.Process, timeout_sec: float = 300.0) -> Edited:
    before = _latest_run(instance, job_id)
    cpu_before = cpu_seconds(app, taken_workers=True)
    started = time.perf_counter()
    answer = httpx.post(f"{url}/api/jobs/{job_id}/shots/{shot_id}", json=fields,
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    while time.perf_counter() - started < timeout_sec:
        record = _latest_run(instance, job_id)
        if record is not None and (before is None or record.dagster_run.run_id != before.dagster_run.run_id):
            status = record.dagster_run.status
            if status == dg.DagsterRunStatus.SUCCESS:
                return Edited(time.perf_counter() - started, cpu_seconds(app, taken_workers=True) - cpu_before)
            if status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
                raise RuntimeError(f"the run the edit started ended {status.value}")
        time.sleep(0.1)  # a light poll: this process's CPU is taken from the app it times
    raise TimeoutError(f"no run for the edit of {shot_id} succeeded in {timeout_sec:.0f} s")


def app_edit_seconds(home: Path, job_id: str, shot_id: str, token: str, edits: list[dict]) -> list[Edited]:
    """Each edit, in order, with the app up throughout."""
    port = free_port()
    app = subprocess.Popen([aiprod_script(), "review", "--port", str(port)], cwd=home, env=aiprod_env(home),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=2).raise_for_status()
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or app.poll() is not None:
                    raise RuntimeError("the review app did not start") from None
                time.sleep(0.1)
        with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home / ".aiprod" / "dagster"))) as instance:
            return [_edit_and_wait(url, token, instance, job_id, shot_id, fields, psutil.Process(app.pid))
                    for fields in edits]
    finally:
        app.terminate()
        app.wait(timeout=30)
