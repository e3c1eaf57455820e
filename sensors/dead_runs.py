"""Runs whose process is gone are failed, and their concurrency slots freed.

A run killed with kill -9 (or stopped by a full disk) stays STARTED for ever and keeps its
slot in the `gpu` pool, so every later run on that pool waits. Each run records the host
and process that execute it in its tags; a run on this host whose process no longer exists
is marked failed with that reason, and Dagster frees its slots. The CLI does this when it
starts; a deployment runs the sensor below on the daemon's host, beside Dagster's own run
monitoring.
"""

import os
import socket
from pathlib import Path

import dagster as dg

HOST_TAG, PID_TAG, PROCESS_START_TAG = "aiprod/host", "aiprod/pid", "aiprod/process_start"
INTERRUPTED_TAG = "aiprod/interrupted"
INTERRUPTED = "interrupted (process gone)"
_LIVE_STATUSES = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.CANCELING]


def process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), so a reused pid is not taken for the run's."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def this_process_tags() -> dict[str, str]:
    pid = os.getpid()
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(pid), PROCESS_START_TAG: process_start(pid)}


def process_alive(pid: int, started: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    return not started or process_start(pid) in ("", started)


def reap_dead_runs(instance: dg.DagsterInstance, host: str | None = None) -> list[str]:
    """Fail every live-looking run of ``host`` whose process is gone and free its slots; return their ids."""
    host = host or socket.gethostname()
    reaped = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_LIVE_STATUSES, tags={HOST_TAG: host})):
        pid = run.tags.get(PID_TAG, "")
        if not pid.isdigit() or process_alive(int(pid), run.tags.get(PROCESS_START_TAG, "")):
            continue
        instance.add_run_tags(run.run_id, {INTERRUPTED_TAG: "process gone"})
        instance.report_run_failed(run, f"{INTERRUPTED}: process {pid} on {host} no longer exists")
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    return reaped


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Fails runs on this host whose process is gone and frees their pool slots.")
def dead_run_sensor(context: dg.SensorEvaluationContext):
    reaped = reap_dead_runs(context.instance)
    for run_id in reaped:
        context.log.warning(f"run {run_id}: {INTERRUPTED}; marked failed and its concurrency slots freed")
    return dg.SkipReason(f"{len(reaped)} dead run(s) cleaned up" if reaped else "no dead runs")
