"""The approval sensor: a reviewer's decision or shot edit starts the run it calls for.

- an approval of the job's current cut: the approval gate and delivery (run key ``<job>:<decision id>``);
- an approval that releases paid backends held by moderation: the render again, through the gate;
- a shot edit or a restore: the shot list again and all after it; only edited shots re-render.

Decisions and edits are also written to review/inbox/, so a tick lists one folder; the cursor is the
last inbox key handled. Per job only its latest action counts: an edit makes earlier approvals stale.
"""

import dagster as dg

from aiprod_assets.contracts import JOB_ASSETS, FinalCut
from aiprod_assets.layout import (
    REVIEW_INBOX,
    CorruptRecord,
    artefact_or_none,
    read_record,
    review_event_key,
)
from aiprod_assets.partitions import PRODUCTION_JOB, jobs_partitions
from aiprod_assets.review.records import ReviewEvent
from resources.artifact_store import ArtifactStore


def _from(asset_name: str) -> list[str]:
    """The job's assets from ``asset_name`` to delivery, in the graph's order."""
    names = list(JOB_ASSETS)
    return names[names.index(asset_name):]


DELIVERY, FROM_RENDER, FROM_SHOT_LIST = _from("supervisor_approval"), _from("rendered_clips"), _from("shot_list")


def selection_for(event: ReviewEvent, current_cut: FinalCut | None) -> list[str] | None:
    if event.kind in ("shot_edit", "restore"):
        return FROM_SHOT_LIST
    if event.kind == "approval" and current_cut is not None and event.cut_sha256 == current_cut.sha256:
        return FROM_RENDER if event.releases_paid_render else DELIVERY
    return None  # an approval of a cut that has since been replaced starts nothing


def review_requests(store, inbox_keys: list[str], known_jobs: set[str], log=None) -> list[dg.RunRequest]:
    latest: dict[str, ReviewEvent] = {}
    for key in inbox_keys:
        event_id, _, job_id = key.rsplit("/", 1)[-1].removesuffix(".json").partition("--")
        if job_id not in known_jobs:
            continue
        try:
            event = read_record(store, review_event_key(job_id, event_id), ReviewEvent)
        except CorruptRecord as err:
            if log:
                log.warning(str(err))
            continue
        if event is not None:
            latest[job_id] = event
    requests = []
    for job_id, event in sorted(latest.items()):
        selection = selection_for(event, artefact_or_none(store, "final_cut", job_id))
        if selection is None:
            if log:
                log.info(f"{job_id}: {event.kind} {event.event_id} is on a cut that is no longer current")
            continue
        requests.append(dg.RunRequest(
            run_key=f"{job_id}:{event.event_id}", partition_key=job_id,
            asset_selection=[dg.AssetKey(name) for name in selection],
            tags={"aiprod/source": f"review {event.kind} by {event.author}", "aiprod/review_event": event.event_id}))
    return requests


@dg.sensor(job_name=PRODUCTION_JOB, minimum_interval_seconds=5, default_status=dg.DefaultSensorStatus.RUNNING,
           description="Delivers a job once a reviewer approves its cut; re-renders after a shot edit.")
def approval_sensor(context: dg.SensorEvaluationContext, store: ArtifactStore):
    keys = [k for k in store.list_keys(f"{REVIEW_INBOX}/") if k > (context.cursor or "")]
    if not keys:
        return dg.SkipReason("no new decisions or edits")
    known = set(context.instance.get_dynamic_partitions(jobs_partitions.name))
    return dg.SensorResult(run_requests=review_requests(store, keys, known, context.log), cursor=keys[-1])
