"""What the CLI prints about a job: from the store and the Dagster instance."""

import json
from datetime import UTC, datetime

import dagster as dg

from aiprod_assets.contracts import JOB_ASSETS
from aiprod_assets.layout import artefact_key, read_artefact, rejection_report_key
from aiprod_assets.rendering.providers.tasks import describe, job_tasks
from resources.artifact_store import ArtifactStore


def job_summary(store: ArtifactStore, job_id: str) -> list[str]:
    lines = []
    sanitized = read_artefact(store, "sanitized_input", job_id)
    if sanitized:
        lines.append(f"complexity {sanitized.complexity.score:.2f} -> route {sanitized.route}")
    manifest = read_artefact(store, "production_manifest", job_id)
    if manifest:
        lines.append(f"{len(manifest.scenes)} scene(s), {manifest.duration_sec:.2f}s, planner {manifest.planner_version}"
                     + (f" ({'cached' if manifest.cache_hit else f'{manifest.usage.calls} call(s)'}, "
                        f"${manifest.usage.orchestration_usd:.6f} in tokens)" if manifest.usage else ""))
    shots = read_artefact(store, "shot_list", job_id)
    if shots:
        lines.append(f"{len(shots.shots)} shot(s) at {shots.profile.width}x{shots.profile.height}@{shots.profile.fps}")
    estimate = read_artefact(store, "cost_estimate", job_id)
    if estimate:
        lines.append(f"estimate ${estimate.total_usd:.4f} of ${estimate.decision.budget_usd:g}: "
                     f"{estimate.decision.decision} ({estimate.decision.reason}); chain {', '.join(estimate.chain) or '-'}")
    clips = read_artefact(store, "rendered_clips", job_id)
    if clips:
        rendered = sum(not c.reused for c in clips.clips)
        lines.append(f"{len(clips.clips)} clip(s) on {clips.device}: {rendered} rendered, "
                     f"{len(clips.clips) - rendered} reused; actual ${clips.total_cost_usd:.6f}")
    lines += [describe(shot_id, task) for shot_id, task in job_tasks(store, job_id)]
    technical = read_artefact(store, "technical_qa_report", job_id)
    semantic = read_artefact(store, "semantic_qa_report", job_id)
    if technical and semantic:
        failed = sum(not c.passed for clip in technical.clips for c in clip.checks)
        lines.append(f"QA: technical {'pass' if technical.passed else f'FAIL ({failed} check(s))'}, "
                     f"semantic {semantic.score:.2f} of {semantic.threshold:g} needed: {semantic.verdict}")
    cut = read_artefact(store, "final_cut", job_id)
    if cut:
        lines.append(f"final cut {cut.duration_sec:.2f}s: {cut.uri}")
    manifest = read_artefact(store, "delivery_manifest", job_id)
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
    key = rejection_report_key(f"{job_id}.json")
    return json.loads(store.get_bytes(key)) if store.exists(key) else None


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
