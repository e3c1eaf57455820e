"""Intake assets: the brief as submitted and its sanitized form."""


import dagster as dg
from pydantic import Field

from aiprod_assets.canonical import sha256_hex
from aiprod_assets.contracts import BriefRecord, SanitizedInput
from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.intake.submission import brief_record, reject
from aiprod_assets.intake.validation import BriefInvalid
from aiprod_assets.job_ids import check_job_id
from aiprod_assets.layout import accepted_brief_key
from aiprod_assets.partitions import jobs_partitions
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy


class BriefConfig(dg.Config):
    brief_json: str | None = Field(
        default=None,
        description="A brief pasted in the launchpad. Leave empty to read briefs/accepted/<job_id>.json.",
    )
    source_key: str | None = Field(default=None, description="Store key of an uploaded brief (set by the sensor).")
    expected_sha256: str | None = Field(default=None, description="The upload's sha256 when the sensor saw it.")


@dg.asset(partitions_def=jobs_partitions, group_name="intake", kinds={"json"})
def brief(context: dg.AssetExecutionContext, config: BriefConfig, store: ArtifactStore) -> dg.Output[BriefRecord]:
    """The request exactly as submitted, with its sha256 and where it came from."""
    job_id = check_job_id(context.partition_key)
    if config.brief_json is not None:
        raw, source = config.brief_json.encode("utf-8"), "launchpad"
    elif config.source_key is not None:
        raw, source = store.get_bytes(config.source_key), store.uri(config.source_key)
        if config.expected_sha256 and sha256_hex(raw) != config.expected_sha256:
            raise dg.Failure(f"{source} changed after it was picked up; its new version gets a run of its own",
                             allow_retries=False)
        store.put_bytes(accepted_brief_key(job_id), raw)
    else:
        key = accepted_brief_key(job_id)
        if not store.exists(key):
            raise dg.Failure(f"no brief for job {job_id}: submit one with `aiprod submit BRIEF`, "
                             f"or paste it into this asset's brief_json config", allow_retries=False)
        raw, source = store.get_bytes(key), store.uri(key)
    record = brief_record(job_id, source, raw)
    return dg.Output(record, metadata={"sha256": record.sha256, "source": source, "bytes": len(raw)})


@dg.asset(partitions_def=jobs_partitions, group_name="intake", kinds={"json"})
def sanitized_input(brief: BriefRecord, store: ArtifactStore, policy: ProductionPolicy) -> dg.Output[SanitizedInput]:
    """The validated, normalized brief, its complexity 0-1 with factors, and its route."""
    try:
        value = sanitize(brief, policy.budget_cap_usd)
    except BriefInvalid as err:
        report_key = reject(store, f"{brief.job_id}.json", brief.content.encode("utf-8"), err.issues)
        raise dg.Failure(
            description=f"brief for {brief.job_id} refused: {err}",
            metadata={"errors": dg.MetadataValue.json([i.model_dump() for i in err.issues]),
                      "error_report": dg.MetadataValue.path(store.uri(report_key))},
            allow_retries=False,
        ) from err
    metadata = {"complexity": value.complexity.score, "route": value.route,
                "duration_sec": float(value.brief.duration_sec), "budget_usd": value.brief.budget_usd}
    metadata.update({f"factor_{f.name}": f.contribution for f in value.complexity.factors})
    return dg.Output(value, metadata=metadata)
