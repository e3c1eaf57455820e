"""The brief-upload sensor: every new file in briefs/incoming/ becomes a job partition and a run.

A valid brief is requested with run_key <job_id>:<sha256 prefix>, so the same upload never
starts two runs while a changed brief under the same job id does; the run reads the upload
itself and refuses it if it changed since the tick. Invalid briefs move to briefs/rejected/
with their error report. One bad file never stops the others; the cursor only moves past
what was handled, and a failed listing leaves it where it was.
"""

import dagster as dg

from aiprod_assets.intake.assets import BriefConfig
from aiprod_assets.intake.limits import read_bounded_stream
from aiprod_assets.intake.submission import job_id_for, reject
from aiprod_assets.intake.validation import BriefInvalid
from aiprod_assets.layout import INCOMING
from aiprod_assets.partitions import PRODUCTION_JOB, jobs_partitions
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy
from sensors.brief_cursor import BriefCursor, pending


@dg.sensor(job_name=PRODUCTION_JOB, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Starts a production job for each brief uploaded to briefs/incoming/.")
def brief_upload_sensor(context: dg.SensorEvaluationContext, store: ArtifactStore, policy: ProductionPolicy):
    cursor = BriefCursor.loads(context.cursor)
    todo = pending(store.list_with_times(INCOMING), cursor)[: policy.briefs_per_tick]
    known = set(context.instance.get_dynamic_partitions(jobs_partitions.name))
    run_requests, new_jobs = [], []
    for entry in todo:
        try:
            with store.open_read(entry.name) as stream:
                upload = read_bounded_stream(entry.name.rsplit("/", 1)[-1], stream, policy.brief_max_bytes)
        except Exception as err:  # a read that fails is retried next tick: the cursor stays before it
            context.log.warning(f"{entry.name}: could not be read ({err}); will retry")
            break
        file_name = entry.name.rsplit("/", 1)[-1]
        try:
            job_id = job_id_for(file_name, upload, policy.budget_cap_usd)
        except BriefInvalid as err:
            report = reject(store, file_name, upload, err.issues)
            store.delete(entry.name)
            context.log.info(f"{entry.name}: rejected ({err}); report at {store.uri(report)}")
            cursor = entry
            continue
        if job_id not in known:
            known.add(job_id)
            new_jobs.append(job_id)
        digest = upload.sha256
        run_requests.append(dg.RunRequest(
            run_key=f"{job_id}:{digest[:12]}", partition_key=job_id,
            run_config=dg.RunConfig(ops={"brief": BriefConfig(stored_brief=entry.name, expected_sha256=digest)}),
            tags={"aiprod/source": store.uri(entry.name)}))
        cursor = entry
    return dg.SensorResult(
        run_requests=run_requests,
        dynamic_partitions_requests=[jobs_partitions.build_add_request(new_jobs)] if new_jobs else [],
        cursor=cursor.dumps(),
    )
