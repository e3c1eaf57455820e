"""A shot edited in the review app, where reviewers edit: from the request to the job's new run succeeded.

The app (`aiprod review`, which runs what edits call for in its own process) is started once over the
bench's home and stays up, as it does for a reviewer: Dagster and the code location are loaded once, and
torch with the first shot that renders in it. So two edits are timed: the first one the app renders (it
imports torch), and the next (warm), each from the POST to its run's success in the Dagster instance, with the
app process's CPU seconds meanwhile.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import httpx
import psutil
from dagster._core.instance.ref import InstanceRef

from aiprod_assets.testing.local_server import free_port


def _latest_run(home: Path, job_id: str) -> dg.RunRecord | None:
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home / ".aiprod" / "dagster"))) as instance:
        records = instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": job_id}), limit=1)
    return records[0] if records else None


@dataclass
class Edited:
    seconds: float  # from the edit's request to its run's success
    cpu_sec: float  # the app process's, meanwhile (it renders, judges and cuts in its own process)


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _edit_and_wait(url: str, token: str, home: Path, job_id: str, shot_id: str, fields: dict, app: psutil.Process,
                   timeout_sec: float = 300.0) -> Edited:
    before = _latest_run(home, job_id)
    cpu_before = _cpu_seconds(app)
    started = time.perf_counter()
    answer = httpx.post(f"{url}/api/jobs/{job_id}/shots/{shot_id}", json=fields,
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    while time.perf_counter() - started < timeout_sec:
        record = _latest_run(home, job_id)
        if record is not None and (before is None or record.dagster_run.run_id != before.dagster_run.run_id):
            status = record.dagster_run.status
            if status == dg.DagsterRunStatus.SUCCESS:
                return Edited(time.perf_counter() - started, _cpu_seconds(app) - cpu_before)
            if status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
                raise RuntimeError(f"the run the edit started ended {status.value}")
        time.sleep(0.05)
    raise TimeoutError(f"no run for the edit of {shot_id} succeeded in {timeout_sec:.0f} s")


def app_edit_seconds(aiprod: str, home: Path, job_id: str, shot_id: str, token: str,
                     edits: list[dict]) -> list[Edited]:
    """Each edit, in order, with the app up throughout."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "AIPROD_STORE")}
    env["AIPROD_HOME"] = str(home / ".aiprod")
    port = free_port()
    app = subprocess.Popen([aiprod, "review", "--port", str(port)], cwd=home, env=env,
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
        return [_edit_and_wait(url, token, home, job_id, shot_id, fields, psutil.Process(app.pid)) for fields in edits]
    finally:
        app.terminate()
        app.wait(timeout=30)
