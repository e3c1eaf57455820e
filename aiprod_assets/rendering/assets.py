"""Rendering assets: every shot's clip, resumable per shot, and the final cut."""

import base64
import os

import dagster as dg

from aiprod_assets.contracts import (
    CostEstimate,
    ProductionManifest,
    RenderedClips,
    ShotList,
)
from aiprod_assets.costing.audit import append_audit
from aiprod_assets.costing.pricing import current_pricing
from aiprod_assets.costing.reservation import (
    BudgetExceeded,
    BudgetReservation,
    record_budget_stop,
)
from aiprod_assets.layout import contact_sheet_key
from aiprod_assets.media.encode import choose_encoder
from aiprod_assets.metadata_values import location, readable_metadata
from aiprod_assets.partitions import jobs_partitions
from aiprod_assets.qa.cache import cached_pictures, cached_qa
from aiprod_assets.qa.gate import judge_shot
from aiprod_assets.rendering.backend_chain import build_chain, shots_at_once
from aiprod_assets.rendering.clips import ClipRenderer
from aiprod_assets.rendering.contact_sheet import store_contact_sheet
from aiprod_assets.rendering.device import device_description, device_type
from aiprod_assets.rendering.final_cut import make_final_cut
from aiprod_assets.rendering.final_cut_ahead import cut_ahead_asker, made_ahead
from aiprod_assets.rendering.retry import BackendsExhausted
from aiprod_assets.review.events import read_events
from aiprod_assets.review.live import LiveFeed
from aiprod_assets.review.moderation_gate import backends_to_use
from resources.artifact_store import ArtifactStore
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy
from resources.pools import render_op_tags, render_pool
from resources.render_backends import RenderBackends


@dg.asset(partitions_def=jobs_partitions, group_name="rendering", kinds={"torch", "video"},
          pool=render_pool(os.environ), op_tags=render_op_tags(os.environ))
def rendered_clips(context: dg.AssetExecutionContext, shot_list: ShotList, cost_estimate: CostEstimate,
                   store: ArtifactStore, render_backends: RenderBackends, gpu: TorchDevice,
                   policy: ProductionPolicy) -> dg.Output[RenderedClips]:
    """One clip per shot with uri, sha256, backend, attempts, render seconds and actual cost; finished clips are reused."""
    job_id = context.partition_key
    if not cost_estimate.chain:
        raise dg.Failure(f"job {job_id} has no approved backend chain: {cost_estimate.decision.reason}",
                         allow_retries=False)
    names, held = backends_to_use(cost_estimate.chain, shot_list.moderation, read_events(store, job_id))
    if held:
        context.log.warning(f"moderation flags ({', '.join(sorted({f.category for f in shot_list.moderation}))}): "
                            f"{', '.join(cost_estimate.chain)} held until a reviewer approves; previz renders now")
    try:
        chain = build_chain(names, render_backends, store, on_event=context.log.info,
                        quantization=policy.quantization)
    except (KeyError, ValueError) as err:  # a backend this deployment has not configured: retrying cannot help
        raise dg.Failure(str(err), allow_retries=False) from err
    primary = next((b for b in cost_estimate.per_backend if b.backend == names[0]), None)
    budget = BudgetReservation(budget_usd=cost_estimate.decision.budget_usd,
                               estimated_usd={item.shot_id: item.usd for item in primary.line_items} if primary else {},
                               audit=lambda kind, **details: append_audit(store, job_id, kind, **details))
    renderer = ClipRenderer(
        job_id=job_id, shot_list=shot_list, chain=chain, store=store, pricing=current_pricing(store, policy.pricing_file), gpu_model=policy.gpu_model,
        on_progress=context.log.info, max_attempts=policy.remediation_attempts, budget=budget,
        live=LiveFeed(store, job_id), concurrency=shots_at_once(chain[0], policy.provider_concurrency),
        judge=lambda shot, path, encoded: judge_shot(
            path, shot, shot_list.profile, policy.semantic_threshold,
            measure=lambda clip, expect, frames: cached_qa(store, clip, expect, frames, encoded)),
        on_stored=cut_ahead_asker(store, job_id, shot_list, choose_encoder(device_type(gpu)), context.log.info))
    try:
        clips = renderer.render_all()
    except BackendsExhausted as err:
        raise dg.Failure(str(err), allow_retries=False) from err
    except BudgetExceeded as err:
        record_budget_stop(store, job_id, cost_estimate.decision.budget_usd, err)
        raise dg.Failure(str(err), metadata={"spent_usd": float(err.spent_usd)}, allow_retries=False) from err
    device = device_description(gpu)
    value = RenderedClips(job_id=job_id, device=device, clips=clips, paid_render_held=held,
                          total_cost_usd=round(sum(c.actual_cost_usd for c in clips), 8))
    sheet = store_contact_sheet(store, job_id, clips, kept_middle=lambda path: cached_pictures(store, path).middle)
    return dg.Output(value, metadata=readable_metadata({
        "actual_cost_usd": value.total_cost_usd,
        "render_seconds": float(sum(c.render_seconds for c in clips)),
        "clips_rendered": sum(not c.reused for c in clips),
        "clips_reused": sum(c.reused for c in clips),
        "remediation_renders": sum(max(0, len(c.qa_attempts) - 1) for c in clips),
        "provider_clips": sum(c.provider_task_id is not None for c in clips),
        "paid_render_held": held,
        "device": device,
        # Dagster has no picture metadata type: the image sits in markdown, and the PNG's location beside it.
        "contact_sheet": dg.MetadataValue.md(
            f"![contact sheet](data:image/png;base64,{base64.b64encode(sheet).decode()})"),
        "contact_sheet_uri": location(store.uri(contact_sheet_key(job_id))),
    }))


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
    made = make_final_cut(store, context.partition_key, shot_list, rendered_clips.clips,
                          title=production_manifest.title, encoder=choose_encoder(device_type(gpu)),
                          made_ahead=made_ahead(context.log.warning))
    value = made.value
    if not made.reused:
        context.log.info("final cut joined at the bitstream level, crossfades alone encoded" if made.copied else
                         "final cut encoded whole: the clips could not be joined at the bitstream level")
        if made.made_ahead:
            context.log.info("final cut made ahead by the device worker, while the last clips were judged")
        context.log.info(f"final cut QA {made.qa_how}")
    if made.reused:
        context.log.info(f"final cut reused: made from the same clips, profile and title ({value.inputs_digest[:12]})")
    failures = [c for c in value.qa if not c.passed]
    planned = len(shot_list.shots)
    yield dg.Output(value, data_version=dg.DataVersion(value.sha256[:16]), metadata=readable_metadata({
        "duration_sec": value.duration_sec, "shots": len(value.shot_ids), "uri": location(value.uri),
        "checks_failed": float(len(failures)), "segments_detected": float(made.segments), "reused": made.reused,
        "stream_copied": made.copied, "qa_composed": made.qa_composed, "made_ahead": made.made_ahead}))
    yield dg.AssetCheckResult(
        check_name=FINAL_CUT_TECHNICAL_CHECK, passed=not failures,
        description="; ".join(f"{c.id}: {c.measured} (expected {c.expected})" for c in failures) or "all checks pass",
        metadata={"checks_failed": float(len(failures))})
    yield dg.AssetCheckResult(
        check_name=CUT_COUNT_CHECK, passed=made.segments == planned,
        description=f"{made.segments} shot(s) seen, {planned} planned; new shots at frames {made.segment_starts}",
        metadata={"segments_detected": float(made.segments), "shots_planned": float(planned)})
