"""What the CLI prints about a job's runs: from the Dagster instance and the store (its artefacts: summary.py)."""

import json
from datetime import UTC, datetime

import dagster as dg

from aiprod_assets.contracts import JOB_ASSETS
from aiprod_assets.intake.submission import latest_rejection
from aiprod_assets.layout import artefact_key
from resources.artifact_store import ArtifactStore


def _root_cause(error) -> str:
    """The first line of what really went wrong: the user-code exception beneath Dagster's wrapper."""
    while error.cause is not None and error.cls_name == "DagsterExecutionStepExecutionError":
        error = error.cause
    first = error.message.strip().splitlines()[0] if error.message.strip() else error.cls_name
    # The class name says what kind of failure it was; Dagster's own module path says nothing to a user.
    return first.split(": ", 1)[1] if first.startswith(("dagster.", "dagster._")) and ": " in first else first


def failure_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """Why a run stopped, one line per failed step or failed blocking check; the stack traces stay in the
    run's event log (the UI shows them)."""
    lines = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.event_specific_data.error
            if error.cls_name != "DagsterAssetCheckFailedError":  # the check's own line says why
                lines.append(f"{event.step_key} failed: {_root_cause(error)}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                lines.append(f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed: "
                             f"{evaluation.description}")
    return lines


def rejection_report(store: ArtifactStore, job_id: str) -> dict | None:
    key = latest_rejection(store, f"{job_id}.json")
    return json.loads(store.get_bytes(key)) if key else None


def asset_states(instance: dg.DagsterInstance, store: ArtifactStore, job_id: str) -> list[tuple[str, str]]:
    states = []
    for name in JOB_ASSETS:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(name), asset_partitions=[job_id]), limit=1).records
        if records:
            stamp = datetime.fromtimestamp(records[0].timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            states.append((name, f"materialized {stamp}"))
        elif store.exists(artefact_key(name, job_id)):
            states.append((name, "stored (no materialization in this Dagster home)"))
        else:
            states.append((name, "-"))
    return states


def last_run(instance: dg.DagsterInstance, job_id: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": job_id}), limit=1)
    return runs[0] if runs else None


def awaiting_line(store: ArtifactStore, job_id: str, result: dg.ExecuteInProcessResult) -> str | None:
    """Set when the run ended at the approval gate: what it waits for, who may approve and how."""
    from aiprod_assets.review.status import review_status

    made = {event.asset_key.path[-1] for event in result.get_asset_materialization_events() if event.asset_key}
    if "delivery_manifest" in made:
        return None
    status = review_status(store, job_id)
    if status.cut_sha256 is None or status.state == "delivered":
        return None
    return "\n  ".join([f"{status.state}; not delivered", *[line.strip() for line in status.lines(job_id)[1:]]])


def approval_lines(store: ArtifactStore, job_id: str) -> list[str]:
    from aiprod_assets.review.status import review_status

    return review_status(store, job_id).lines(job_id)
