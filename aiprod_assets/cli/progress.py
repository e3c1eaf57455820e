"""Run the production job in-process while a progress bar follows its steps."""

import logging
import sys
import threading
import uuid

import dagster as dg
from tqdm import tqdm

from sensors.dead_runs import this_process_tags

_STEP_EVENTS = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE,
                dg.DagsterEventType.STEP_SKIPPED}
# The CLI shows its own progress and one line per failure; Dagster's log lines and stack traces would bury
# them. They stay in the run's event log, where the UI shows them.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def execute_with_progress(job: dg.JobDefinition, instance: dg.DagsterInstance, job_id: str,
                          poll_sec: float = 0.5, asset_selection: list[dg.AssetKey] | None = None,
                          tags: dict[str, str] | None = None) -> dg.ExecuteInProcessResult:
    run_id = str(uuid.uuid4())
    steps = ([key.path[-1] for key in asset_selection] if asset_selection
             else [node.name for node in job.graph.nodes])
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["result"] = job.execute_in_process(
                instance=instance, partition_key=job_id, run_id=run_id, raise_on_error=False,
                run_config=QUIET_RUN_CONFIG, asset_selection=asset_selection,
                tags={"aiprod/source": "cli", **(tags or {}), **this_process_tags()})
        except BaseException as err:  # re-raised in the caller's thread
            outcome["error"] = err

    worker = threading.Thread(target=work, name=f"aiprod-run-{job_id}", daemon=True)
    worker.start()
    seen: set[str] = set()
    cursor = None
    with tqdm(total=len(steps), desc=job_id, unit="step") as bar:
        while True:
            alive = worker.is_alive()
            # Only the events since the last look: reading the whole log each time cost seconds of CPU per
            # job, taken from the render running beside it.
            page = instance.get_records_for_run(run_id, cursor=cursor)
            cursor = page.cursor or cursor
            for record in page.records:
                entry = record.event_log_entry
                event = entry.dagster_event
                if event is None and (entry.user_message.startswith("shot ") or entry.level >= logging.WARNING):
                    # Per-shot progress lines from the render step, and the steps' warnings.
                    bar.write(f"  {entry.user_message}", file=sys.stderr)
                elif event is not None and event.event_type in _STEP_EVENTS and entry.step_key not in seen:
                    seen.add(entry.step_key)
                    bar.set_postfix_str(f"{entry.step_key} {event.event_type_value.removeprefix('STEP_').lower()}")
                    bar.update(1)
            if page.has_more:
                continue
            if not alive:
                break
            # Woken as the run ends, not at the next look: a caller (the next edit in the review app, the
            # summary) does not wait out the rest of a poll interval.
            worker.join(poll_sec)
    worker.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]
