"""Intake assets: the brief as submitted and its sanitized form."""


import dagster as dg
from pydantic import Field

from aiprod_assets.canonical import sha256_hex
from aiprod_assets.contracts import BriefRecord, SanitizedInput
from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.intake.submission import brief_record, reject
from aiprod_assets.intake.validation import BriefInvalid
from aiprod_assets.job_ids import check_job_id
from aiprod_assets.layout import BRIEFS, accepted_brief_key, check_key
from aiprod_assets.metadata_values import readable_metadata
from aiprod_assets.partitions import jobs_partitions
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy

EXAMPLE_BRIEF = ('{"prompt": "An old lighthouse keeper climbs the spiral stairs at dusk.", '
                 '"duration_sec": 6, "budget_usd": 1.0, "resolution": "720p"}')


class BriefConfig(dg.Config):
    """Where the job's brief comes from. Leave everything empty for a brief filed with `aiprod submit`
    (briefs/accepted/<job_id>.json); or paste one; or name one already in the store."""

    brief_json: str | None = Field(
        default=None,
        description=f"A brief pasted as JSON, for example: {EXAMPLE_BRIEF}",
    )
    stored_brief: str | None = Field(
        default=None,
        description="Store key of a brief already in the store, e.g. briefs/incoming/teaser.json "
                    "(the upload sensor sets it); it is filed under briefs/accepted/<job_id>.json.",
    )
    expected_sha256: str | None = Field(default=None, description="The stored brief's sha256 when it was picked "
                                                                  "up; a brief changed since is refused.")


@dg.asset(partitions_def=jobs_partitions, group_name="intake", kinds={"json"})
def brief(context: dg.AssetExecutionContext, config: BriefConfig, store: ArtifactStore) -> dg.Output[BriefRecord]:
    """The request exactly as submitted, with its sha256 and where it came from."""
    job_id = check_job_id(context.partition_key)
    if config.brief_json is not None:
        raw, source = config.brief_json.encode("utf-8"), "launchpad"
    elif config.stored_brief is not None:
        key = _stored_brief_key(config.stored_brief)
        if not store.exists(key):
            raise dg.Failure(f"stored_brief: {store.uri(key)} does not exist; name a brief under {BRIEFS}/",
                             allow_retries=False)
        raw, source = store.get_bytes(key), store.uri(key)
        if config.expected_sha256 and sha256_hex(raw) != config.expected_sha256:
            raise dg.Failure(f"{source} changed after it was picked up; its new version gets a run of its own",
                             allow_retries=False)
        store.put_bytes(accepted_brief_key(job_id), raw)
    else:
        key = accepted_brief_key(job_id)
        if not store.exists(key):
            raise dg.Failure(f"no brief for job {job_id} in {store.uri(key)}: file one with `aiprod submit BRIEF` "
                             f"(it adds the partition too), paste it into this asset's brief_json config, or name "
                             f"a stored one in stored_brief", allow_retries=False)
        raw, source = store.get_bytes(key), store.uri(key)
    record = brief_record(job_id, source, raw)
    return dg.Output(record, metadata=readable_metadata({"sha256": record.sha256, "source": source, "bytes": len(raw)}))


def _stored_brief_key(key: str) -> str:
    try:
        check_key(key)
    except ValueError as err:
        raise dg.Failure(f"stored_brief: {err}", allow_retries=False) from err
    if not key.startswith(f"{BRIEFS}/"):
        raise dg.Failure(f"stored_brief {key!r}: only keys under {BRIEFS}/ are briefs", allow_retries=False)
    return key


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
    return dg.Output(value, metadata=readable_metadata(metadata))
