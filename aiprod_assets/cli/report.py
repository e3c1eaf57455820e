"""What the CLI prints about a job: from the store and the Dagster instance."""

import json
from datetime import UTC, datetime

import dagster as dg

from aiprod_assets.contracts import (
    CostEstimate,
    DeliveryManifest,
    FinalCut,
    ProductionManifest,
    RenderedClips,
    SanitizedInput,
    SemanticQAReport,
    ShotList,
    TechnicalQAReport,
)
from aiprod_assets.intake.submission import REJECTED
from aiprod_assets.rendering.providers.tasks import describe, job_tasks
from resources.artifact_store import ArtifactStore

STAGE_ASSETS = ("brief", "sanitized_input", "production_manifest", "shot_list", "cost_estimate",
                "rendered_clips", "technical_qa_report", "semantic_qa_report", "final_cut", "delivery_manifest")


def _load(store: ArtifactStore, job_id: str, name: str, model):
    key = f"jobs/{job_id}/{name}.json"
    return model.model_validate_json(store.get_bytes(key)) if store.exists(key) else None


def job_summary(store: ArtifactStore, job_id: str) -> list[str]:
    lines = []
    sanitized = _load(store, job_id, "sanitized_input", SanitizedInput)
    if sanitized:
        lines.append(f"complexity {sanitized.complexity.score:.2f} -> route {sanitized.route}")
    manifest = _load(store, job_id, "production_manifest", ProductionManifest)
    if manifest:
        lines.append(f"{len(manifest.scenes)} scene(s), {manifest.duration_sec:.2f}s, planner {manifest.planner_version}"
                     + (f" ({'cached' if manifest.cache_hit else f'{manifest.usage.calls} call(s)'}, "
                        f"${manifest.usage.orchestration_usd:.6f} in tokens)" if manifest.usage else ""))
    shots = _load(store, job_id, "shot_list", ShotList)
    if shots:
        lines.append(f"{len(shots.shots)} shot(s) at {shots.profile.width}x{shots.profile.height}@{shots.profile.fps}")
    estimate = _load(store, job_id, "cost_estimate", CostEstimate)
    if estimate:
        lines.append(f"estimate ${estimate.total_usd:.4f} of ${estimate.decision.budget_usd:g}: "
                     f"{estimate.decision.decision} ({estimate.decision.reason}); chain {', '.join(estimate.chain) or '-'}")
    clips = _load(store, job_id, "rendered_clips", RenderedClips)
    if clips:
        rendered = sum(not c.reused for c in clips.clips)
        lines.append(f"{len(clips.clips)} clip(s) on {clips.device}: {rendered} rendered, "
                     f"{len(clips.clips) - rendered} reused; actual ${clips.total_cost_usd:.6f}")
    lines += [describe(shot_id, task) for shot_id, task in job_tasks(store, job_id)]
    technical = _load(store, job_id, "technical_qa_report", TechnicalQAReport)
    semantic = _load(store, job_id, "semantic_qa_report", SemanticQAReport)
    if technical and semantic:
        failed = sum(not c.passed for clip in technical.clips for c in clip.checks)
        lines.append(f"QA: technical {'pass' if technical.passed else f'FAIL ({failed} check(s))'}, "
                     f"semantic {semantic.score:.2f} of {semantic.threshold:g} needed: {semantic.verdict}")
    cut = _load(store, job_id, "final_cut", FinalCut)
    if cut:
        lines.append(f"final cut {cut.duration_sec:.2f}s: {cut.uri}")
    manifest = _load(store, job_id, "delivery_manifest", DeliveryManifest)
    if manifest:
        cost = manifest.cost
        lines.append(f"delivered {len(manifest.deliverables)} file(s); cost ${cost.actual_usd:.6f} against "
                     f"estimate ${cost.estimate_usd:.6f} ({cost.variance_pct:+.1f}%), "
                     f"{'within' if cost.within_budget else 'OVER'} budget")
    return lines


def failure_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """Why a run stopped: failed steps and failed blocking checks, with their reasons."""
    lines = [f"{e.step_key} failed: {e.event_specific_data.error.message.strip()}"
             for e in result.all_events if e.is_step_failure]
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                lines.append(f"check {evaluation.asset_key.to_user_string()}:{evaluation.check_name} failed: "
                             f"{evaluation.description}")
    return lines


def rejection_report(store: ArtifactStore, job_id: str) -> dict | None:
    key = f"{REJECTED}/{job_id}.error.json"
    return json.loads(store.get_bytes(key)) if store.exists(key) else None


def asset_states(instance: dg.DagsterInstance, store: ArtifactStore, job_id: str) -> list[tuple[str, str]]:
    states = []
    for name in STAGE_ASSETS:
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey(name), asset_partitions=[job_id]), limit=1).records
        if records:
            stamp = datetime.fromtimestamp(records[0].timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            states.append((name, f"materialized {stamp}"))
        elif store.exists(f"jobs/{job_id}/{name}.json"):
            states.append((name, "stored (no materialization in this Dagster home)"))
        else:
            states.append((name, "-"))
    return states


def last_run(instance: dg.DagsterInstance, job_id: str) -> dg.DagsterRun | None:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": job_id}), limit=1)
    return runs[0] if runs else None
