"""Planning assets: the production manifest and the shot list."""


import dagster as dg

from aiprod_assets.contracts import ProductionManifest, SanitizedInput, ShotList
from aiprod_assets.costing.audit import append_audit
from aiprod_assets.failures import ShotFatalError
from aiprod_assets.metadata_values import readable_metadata
from aiprod_assets.partitions import jobs_partitions
from aiprod_assets.planning.director import plan_manifest
from aiprod_assets.planning.model_director import PlannerFailed
from aiprod_assets.planning.shot_plan import planned_shot_list
from aiprod_assets.review.events import read_events
from aiprod_assets.review.moderation_gate import shot_list_flags
from resources.artifact_store import ArtifactStore
from resources.creative_director import CreativeDirector
from resources.policy import ProductionPolicy


@dg.asset(partitions_def=jobs_partitions, group_name="planning", kinds={"json"})
def production_manifest(sanitized_input: SanitizedInput, creative_director: CreativeDirector,
                        store: ArtifactStore) -> dg.Output[ProductionManifest]:
    """Scenes with durations and consistency markers (style, characters, narrative), and which planner made them."""
    try:
        manifest = plan_manifest(sanitized_input, creative_director, store)
    except (PlannerFailed, ShotFatalError) as err:  # no usable plan after every repair, or a refused key
        raise dg.Failure(str(err), allow_retries=False) from err
    if manifest.usage is not None:
        append_audit(store, manifest.job_id, "orchestration", planner=manifest.planner_version,
                     cache_hit=manifest.cache_hit, **manifest.usage.model_dump())
    return dg.Output(manifest, metadata=readable_metadata({
        "scenes": len(manifest.scenes),
        "duration_sec": manifest.duration_sec,
        "planner": f"{manifest.planner} {manifest.planner_version}",
        "cache_hit": manifest.cache_hit,
        "orchestration_usd": float(manifest.usage.orchestration_usd if manifest.usage else 0.0),
        "planner_calls": float(manifest.usage.calls if manifest.usage else 0),
    }))


@dg.asset(partitions_def=jobs_partitions, group_name="planning", kinds={"json"})
def shot_list(context: dg.AssetExecutionContext, production_manifest: ProductionManifest,
              sanitized_input: SanitizedInput, policy: ProductionPolicy, store: ArtifactStore) -> dg.Output[ShotList]:
    """Shots with prompt, camera move, lighting, palette, seed and spec_hash, and the render profile; reviewers'
    shot edits applied, and the moderation flags on every prompt."""
    shots = planned_shot_list(production_manifest, sanitized_input, policy.enabled_backends,
                              read_events(store, sanitized_input.job_id))
    shots = shots.model_copy(update={"moderation": shot_list_flags(sanitized_input, production_manifest, shots)})
    for flag in shots.moderation:
        context.log.warning(f"moderation: {flag.category} in {flag.field} ({flag.source}): {flag.evidence!r}; "
                            "a reviewer must approve before any paid backend renders")
    for shot in shots.shots:
        context.log.info(f"{shot.shot_id}: {shot.spec.duration_sec:.2f}s {shot.spec.camera_move}, "
                         f"{shot.spec.lighting}, seed {shot.seed}, spec {shot.spec_hash[:12]}")
    return dg.Output(shots, metadata=readable_metadata({
        "shots": len(shots.shots),
        "total_frames": shots.total_frames,
        "profile": shots.profile.name,
        "backend": shots.shots[0].backend,  # the plan gives every shot the one backend
        "review_version": shots.review_version or "planned",
        "moderation_flags": float(len(shots.moderation)),
    }))
