"""Delivery asset: the manifest of every deliverable, with the human-readable QA report beside it."""

import time
from pathlib import Path

import dagster as dg

from aiprod_assets.canonical import file_sha256
from aiprod_assets.contracts import (
    JOB_ASSETS,
    SIGNED_URL_SECONDS,
    CostEstimate,
    Deliverable,
    FinalCut,
    ProductionManifest,
    RenderedClips,
    SemanticQAReport,
    SupervisorApproval,
    TechnicalQAReport,
)
from aiprod_assets.costing.audit import read_audit_trail
from aiprod_assets.delivery.manifest import build_manifest
from aiprod_assets.layout import (
    artefact_key,
    audit_key,
    clip_key,
    contact_sheet_key,
    final_cut_key,
    local_clips,
    qa_report_key,
)
from aiprod_assets.metadata_values import readable_metadata
from aiprod_assets.operations.job_facts import shot_failures
from aiprod_assets.partitions import PRODUCTION_JOB, jobs_partitions
from aiprod_assets.qa.report_html import render_qa_report
from aiprod_assets.review.live import LiveFeed
from aiprod_assets.work_folders import work_folder
from resources.artifact_store import ArtifactStore

# Every asset of the job made before this one.
LINEAGE = [name for name in JOB_ASSETS if name != "delivery_manifest"]


def _deliverable(store: ArtifactStore, kind: str, key: str, folder: Path) -> Deliverable:
    signed = store.signed_url(key, SIGNED_URL_SECONDS)
    return Deliverable(kind=kind, uri=store.uri(key), sha256=file_sha256(store.local_copy(key, folder)),
                       size_bytes=store.size(key), signed_url=signed[0] if signed else None,
                       expires_at=signed[1] if signed else None)


def _lineage(context: dg.AssetExecutionContext, job_id: str) -> dict[str, str]:
    lineage = {}
    for name in LINEAGE:
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(name), asset_partitions=[job_id]), limit=1).records
        if records:
            materialization = records[0].asset_materialization
            lineage[name] = materialization.tags.get("dagster/data_version", f"run {records[0].run_id}")
    return lineage


def _wall_clock_sec(context: dg.AssetExecutionContext, job_id: str) -> float | None:
    """From the job's first run starting to now: the delivery closes the job."""
    records = context.instance.get_run_records(filters=dg.RunsFilter(
        job_name=PRODUCTION_JOB, tags={"dagster/partition": job_id}))
    starts = [r.start_time for r in records if r.start_time]
    return round(time.time() - min(starts), 3) if starts else None


@dg.asset(partitions_def=jobs_partitions, group_name="delivery", kinds={"json"})
def delivery_manifest(context: dg.AssetExecutionContext, final_cut: FinalCut, rendered_clips: RenderedClips,
                      cost_estimate: CostEstimate, technical_qa_report: TechnicalQAReport,
                      semantic_qa_report: SemanticQAReport, production_manifest: ProductionManifest,
                      supervisor_approval: SupervisorApproval, store: ArtifactStore):
    """Every deliverable with uri, sha256 and size (signed URLs where the store has them), cost certification, QA
    summary, who approved the cut, and lineage."""
    job_id = context.partition_key
    with work_folder(f"{job_id}-delivery") as folder:
        clip_paths = local_clips(store, job_id, rendered_clips.clips, folder)
        cut_key = final_cut_key(job_id)
        html = render_qa_report(job_id, technical_qa_report, clip_paths, semantic_qa_report, final_cut,
                                store.local_copy(cut_key, folder))
        store.put_bytes(qa_report_key(job_id), html.encode("utf-8"))
        deliverables = [_deliverable(store, "final_cut", cut_key, folder)]
        deliverables += [_deliverable(store, "clip", clip_key(job_id, c.shot_id, c.spec_hash), folder)
                         for c in rendered_clips.clips]
        deliverables += [_deliverable(store, "contact_sheet", contact_sheet_key(job_id), folder),
                         _deliverable(store, "qa_report", qa_report_key(job_id), folder)]
    audit = read_audit_trail(store, job_id)
    if audit.bad_lines:
        context.log.warning(f"{store.uri(audit_key(job_id))}: skipped {len(audit.bad_lines)} unreadable line(s) "
                            f"(line {', '.join(map(str, audit.bad_lines[:10]))})")
    manifest = build_manifest(job_id, deliverables, cost_estimate, rendered_clips, technical_qa_report,
                              semantic_qa_report, final_cut, _lineage(context, job_id),
                              store.uri(audit_key(job_id)), audit.events,
                              production_manifest.usage.orchestration_usd if production_manifest.usage else 0.0)
    manifest.qa_summary["approved_by"] = supervisor_approval.approver or f"policy ({supervisor_approval.policy})"
    LiveFeed(store, job_id).publish("delivered", manifest=store.uri(artefact_key("delivery_manifest", job_id)))
    return dg.Output(manifest, metadata=readable_metadata({
        "estimate_usd": manifest.cost.estimate_usd,
        "actual_usd": manifest.cost.actual_usd,
        "orchestration_usd": manifest.cost.orchestration_usd,
        "variance_pct": manifest.cost.variance_pct,
        "within_budget": manifest.cost.within_budget,
        "semantic_score": semantic_qa_report.score,
        "wall_clock_sec": _wall_clock_sec(context, job_id),
        "shot_failures": float(shot_failures(rendered_clips.clips)),
        "deliverables": float(len(deliverables)),
        "audit_lines_skipped": float(len(audit.bad_lines)),
        "qa_report": dg.MetadataValue.path(store.uri(qa_report_key(job_id))),
    }))
