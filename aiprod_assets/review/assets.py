"""The approval gate between QA and delivery."""

import dagster as dg

from aiprod_assets.contracts import (
    FinalCut,
    RenderedClips,
    ShotList,
    SupervisorApproval,
)
from aiprod_assets.metadata_values import readable_metadata
from aiprod_assets.partitions import jobs_partitions
from aiprod_assets.review.approval import approval_reasons, gate
from aiprod_assets.review.events import read_events
from aiprod_assets.review.live import LiveFeed
from aiprod_assets.review.status import approver_names, how_to_approve
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy

AWAITING = "awaiting approval"


@dg.asset(partitions_def=jobs_partitions, group_name="review", kinds={"json"}, output_required=False)
def supervisor_approval(context: dg.AssetExecutionContext, final_cut: FinalCut, rendered_clips: RenderedClips,
                        shot_list: ShotList, store: ArtifactStore, policy: ProductionPolicy):
    """Who let this cut go to delivery. Made only once a person approved the very cut (by its sha256), or when
    the policy needs nobody; until then the run ends cleanly, awaiting approval, and delivery waits."""
    job_id = context.partition_key
    reasons = approval_reasons(policy.approval, shot_list.moderation, rendered_clips)
    state = gate(reasons, read_events(store, job_id), final_cut.sha256, rendered_clips.paid_render_held)
    live = LiveFeed(store, job_id)
    if not state.delivers:
        decision = state.decision
        said = {"awaiting": AWAITING, "released": "released for the paid render; that cut awaits approval too",
                "rejected": f"rejected by {decision.author if decision else '?'}: "
                            f"{'; '.join(decision.reasons) if decision else ''}"}[state.state]
        context.log.info(f"{job_id}: {said} ({'; '.join(reasons)}); {'; '.join(how_to_approve(approver_names(store), job_id))}")
        live.publish("gate", state=state.state, cut_sha256=final_cut.sha256, reasons=reasons)
        context.log_event(dg.AssetObservation(asset_key="supervisor_approval", partition=job_id, metadata={
            "state": state.state, "cut_sha256": final_cut.sha256, "reasons": "; ".join(reasons)}))
        return
    decision = state.decision
    value = SupervisorApproval(
        job_id=job_id, cut_sha256=final_cut.sha256, granted_by="person" if decision else "policy",
        policy=policy.approval, decision_id=decision.event_id if decision else "",
        approver=decision.author if decision else "", role=decision.role if decision else "",
        decided_at=decision.at if decision else "", comment=decision.text if decision else "",
        reasons_required=reasons)
    live.publish("gate", state=state.state, cut_sha256=final_cut.sha256, approver=value.approver)
    yield dg.Output(value, metadata=readable_metadata({
        "granted_by": value.granted_by, "approver": value.approver or "-", "policy": value.policy,
        "cut_sha256": value.cut_sha256, "reasons_required": float(len(reasons))}))
