"""Where a job stands with its reviewers, from the store alone (the CLI's status and the review app)."""

from __future__ import annotations

from dataclasses import dataclass

from aiprod_assets.contracts import DeliveryManifest, FinalCut, SupervisorApproval
from aiprod_assets.layout import Store, artefact_or_none
from aiprod_assets.review.approval import decision_on
from aiprod_assets.review.events import read_events
from aiprod_assets.review.records import ReviewEvent
from aiprod_assets.review.reviewers import reviewers


def approver_names(store: Store) -> list[str]:
    return [r.name for r in reviewers(store) if r.role == "approver"]


def how_to_approve(approvers: list[str], job_id: str) -> list[str]:
    """Who may approve JOB_ID's cut, and how: said by `aiprod run`, `aiprod status` and the gate's log."""
    who = ", ".join(approvers) or "nobody yet: aiprod review add-user NAME --role approver"
    return [f"who may approve: {who}",
            f"how: aiprod approve {job_id} --as NAME [--comment ...], or in the review app (aiprod review)"]


@dataclass
class ReviewStatus:
    state: str  # no cut yet | awaiting approval | approved | rejected | delivered
    cut_sha256: str | None
    decision: ReviewEvent | None
    # Read only for the lines a person reads (the review app's live feed has no use for them).
    approvers: list[str] | None = None

    def lines(self, job_id: str) -> list[str]:
        if self.cut_sha256 is None:
            return []
        lines = [f"review: {self.state} (cut {self.cut_sha256[:12]})"]
        if self.decision is not None:
            said = "; ".join(self.decision.reasons) or self.decision.text
            lines.append(f"  {self.decision.kind} by {self.decision.author} at {self.decision.at}"
                         + (f": {said}" if said else "")
                         + (f" (shots {', '.join(self.decision.shots)})" if self.decision.shots else ""))
        if self.state in ("awaiting approval", "rejected"):
            lines += [f"  {line}" for line in how_to_approve(self.approvers or [], job_id)]
        return lines


def review_status(store: Store, job_id: str, events: list[ReviewEvent] | None = None,
                  with_approvers: bool = True) -> ReviewStatus:
    cut: FinalCut | None = artefact_or_none(store, "final_cut", job_id)
    approvers = approver_names(store) if with_approvers else None
    if cut is None:
        return ReviewStatus("no cut yet", None, None, approvers)
    events = read_events(store, job_id) if events is None else events
    decision = decision_on(events, cut.sha256)
    granted: SupervisorApproval | None = artefact_or_none(store, "supervisor_approval", job_id)
    delivered: DeliveryManifest | None = artefact_or_none(store, "delivery_manifest", job_id)
    if granted is not None and granted.cut_sha256 == cut.sha256:
        cut_delivered = delivered is not None and any(d.kind == "final_cut" and d.sha256 == cut.sha256
                                                      for d in delivered.deliverables)
        return ReviewStatus("delivered" if cut_delivered else "approved", cut.sha256, decision, approvers)
    if decision is not None:
        return ReviewStatus("approved" if decision.kind == "approval" else "rejected", cut.sha256, decision,
                            approvers)
    return ReviewStatus("awaiting approval", cut.sha256, None, approvers)
