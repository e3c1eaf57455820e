"""Rendering assets: every shot's clip, resumable per shot, and the final cut."""

import base64
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import (
    BudgetStop,
    CostEstimate,
    FinalCut,
    ProductionManifest,
    RenderedClips,
    ShotList,
)
from aiprod_assets.costing.audit import append_audit
from aiprod_assets.costing.pricing import current_pricing
from aiprod_assets.media.encode import choose_encoder
from aiprod_assets.partitions import jobs_partitions
from aiprod_assets.qa.cuts import count_segments, small_luma_frames
from aiprod_assets.qa.gate import judge_shot
from aiprod_assets.qa.technical import Expectations, check_file
from aiprod_assets.rendering.clips import (
    BudgetExceeded,
    ClipRenderer,
    file_sha256,
    local_clips,
)
from aiprod_assets.rendering.contact_sheet import contact_sheet
from aiprod_assets.rendering.final_cut import assemble_final_cut, crossfade_frames
from aiprod_assets.rendering.retry import BackendsExhausted
from resources.artifact_store import ArtifactStore
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy
from resources.render_backends import RenderBackends


@dg.asset(partitions_def=jobs_partitions, group_name="rendering", kinds={"torch", "video"}, pool="gpu")
def rendered_clips(context: dg.AssetExecutionContext, shot_list: ShotList, cost_estimate: CostEstimate,
                   store: ArtifactStore, render_backends: RenderBackends, gpu: TorchDevice,
                   policy: ProductionPolicy) -> dg.Output[RenderedClips]:
    """One clip per shot with uri, sha256, backend, attempts, render seconds and actual cost; finished clips are reused."""
    job_id = context.partition_key
    if not cost_estimate.chain:
        raise dg.Failure(f"job {job_id} has no approved backend chain: {cost_estimate.decision.reason}",
                         allow_retries=False)
    chain = [render_backends.backend(name, store, on_event=context.log.info) for name in cost_estimate.chain]
    primary = next(b for b in cost_estimate.per_backend if b.backend == cost_estimate.chain[0])
    renderer = ClipRenderer(
        job_id=job_id, shot_list=shot_list, chain=chain, store=store, pricing=current_pricing(store, policy.pricing_file),
        gpu_model=policy.gpu_model, on_progress=context.log.info,
        judge=lambda shot, path: judge_shot(path, shot, shot_list.profile, policy.semantic_threshold),
        max_attempts=policy.remediation_attempts, budget_usd=cost_estimate.decision.budget_usd,
        estimated_usd={item.shot_id: item.usd for item in primary.line_items},
        audit=lambda kind, **details: append_audit(store, job_id, kind, **details))
    try:
        clips = renderer.render_all()
    except BackendsExhausted as err:
        raise dg.Failure(str(err), allow_retries=False) from err
    except BudgetExceeded as err:
        stop = BudgetStop(job_id=job_id, stopped_at=datetime.now(UTC).isoformat(timespec="seconds"),
                          budget_usd=cost_estimate.decision.budget_usd, spent_usd=round(err.spent_usd, 8),
                          reason=str(err), clips=err.records)
        store.put_bytes(f"jobs/{job_id}/budget_stop.json", pretty_json(stop).encode())
        raise dg.Failure(str(err), metadata={"spent_usd": float(err.spent_usd)}, allow_retries=False) from err
    device = gpu.describe()
    value = RenderedClips(job_id=job_id, device=device, clips=clips,
                          total_cost_usd=round(sum(c.actual_cost_usd for c in clips), 8))
    with tempfile.TemporaryDirectory() as tmp:
        paths = local_clips(store, job_id, clips, Path(tmp))
        sheet = contact_sheet([(c.shot_id, paths[c.shot_id]) for c in clips])
    store.put_bytes(f"jobs/{job_id}/contact_sheet.png", sheet)
    return dg.Output(value, metadata={
        "actual_cost_usd": value.total_cost_usd,
        "render_seconds": float(sum(c.render_seconds for c in clips)),
        "clips_rendered": sum(not c.reused for c in clips),
        "clips_reused": sum(c.reused for c in clips),
        "remediation_renders": sum(max(0, len(c.qa_attempts) - 1) for c in clips),
        "provider_clips": sum(c.provider_task_id is not None for c in clips),
        "device": device,
        "contact_sheet": dg.MetadataValue.md(
            f"![contact sheet](data:image/png;base64,{base64.b64encode(sheet).decode()})"),
    })


FINAL_CUT_TECHNICAL_CHECK, CUT_COUNT_CHECK = "technical_qa", "cut_count"


@dg.asset(
    partitions_def=jobs_partitions, group_name="rendering", kinds={"video"},
    deps=["technical_qa_report", "semantic_qa_report"],
    check_specs=[
        dg.AssetCheckSpec(FINAL_CUT_TECHNICAL_CHECK, asset="final_cut", blocking=True,
                          description="Every technical check passes on the cut itself."),
        dg.AssetCheckSpec(CUT_COUNT_CHECK, asset="final_cut", blocking=True,
                          description="The cut shows as many shots as the shot list has."),
    ],
)
def final_cut(context: dg.AssetExecutionContext, rendered_clips: RenderedClips, shot_list: ShotList,
              production_manifest: ProductionManifest, store: ArtifactStore, gpu: TorchDevice):
    """The clips joined in shot order into one MP4 to the job's render profile, with crossfades where asked."""
    job_id = context.partition_key
    profile = shot_list.profile
    with tempfile.TemporaryDirectory() as tmp:
        by_shot = local_clips(store, job_id, rendered_clips.clips, Path(tmp))
        paths = [by_shot[s.shot_id] for s in shot_list.shots]
        out = Path(tmp) / "final_cut.mp4"
        frames = assemble_final_cut(
            list(zip(shot_list.shots, paths)), profile, out, title=production_manifest.title,
            comment=f"aiprod job {job_id} final cut of {len(paths)} shots",
            encoder=choose_encoder(gpu.torch_device().type))
        checks = check_file(out, Expectations(profile, target_duration_sec=shot_list.total_frames / profile.fps))
        segments, starts = count_segments(small_luma_frames(out), shot_list.shots,
                                          crossfade_frames(profile, min(s.spec.frames for s in shot_list.shots)))
        uri = store.put_file(f"jobs/{job_id}/final_cut.mp4", out)
        digest = file_sha256(out)
    value = FinalCut(job_id=job_id, uri=uri, sha256=digest, duration_sec=round(frames / profile.fps, 6),
                     shot_ids=[s.shot_id for s in shot_list.shots], qa=checks)
    failures = [c for c in checks if not c.passed]
    yield dg.Output(value, data_version=dg.DataVersion(digest[:16]), metadata={
        "duration_sec": value.duration_sec, "shots": len(value.shot_ids), "uri": dg.MetadataValue.path(uri),
        "checks_failed": float(len(failures)), "segments_detected": float(segments)})
    yield dg.AssetCheckResult(
        check_name=FINAL_CUT_TECHNICAL_CHECK, passed=not failures,
        description="; ".join(f"{c.id}: {c.measured} (expected {c.expected})" for c in failures) or "all checks pass",
        metadata={"checks_failed": float(len(failures))})
    yield dg.AssetCheckResult(
        check_name=CUT_COUNT_CHECK, passed=segments == len(shot_list.shots),
        description=f"{segments} shot(s) seen, {len(shot_list.shots)} planned; new shots at frames {starts}",
        metadata={"segments_detected": float(segments), "shots_planned": float(len(shot_list.shots))})
