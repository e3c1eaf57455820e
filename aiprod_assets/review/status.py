"""Where a job stands with its reviewers, from the store alone (the CLI's status and the review app)."""

from __future__ import annotations

from dataclasses import dataclass

from aiprod_assets.contracts import DeliveryManifest, FinalCut, SupervisorApproval
from aiprod_assets.layout import CorruptRecord, Store, read_artefact
from aiprod_assets.review.approval import decision_on
from aiprod_assets.review.events import read_events
from aiprod_assets.review.records import ReviewEvent
from aiprod_assets.review.reviewers import reviewers


@dataclass
class ReviewStatus:
    state: str  # no cut yet | awaiting approval | approved | rejected | delivered
    cut_sha256: str | None
    decision: ReviewEvent | None
    approvers: list[str]

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
            who = ", ".join(self.approvers) or "nobody yet: aiprod review add-user NAME --role approver"
            lines.append(f"  who may approve: {who}")
            lines.append(f"  how: aiprod approve {job_id} --as NAME [--comment ...], or in the review app "
                         "(aiprod review)")
        return lines


def _read(store: Store, name: str, job_id: str):
    try:
        return read_artefact(store, name, job_id)
    except CorruptRecord:
        return None


def review_status(store: Store, job_id: str, events: list[ReviewEvent] | None = None) -> ReviewStatus:
    cut: FinalCut | None = _read(store, "final_cut", job_id)
    approvers = [r.name for r in reviewers(store) if r.role == "approver"]
    if cut is None:
        return ReviewStatus("no cut yet", None, None, approvers)
    events = read_events(store, job_id) if events is None else events
    decision = decision_on(events, cut.sha256)
    granted: SupervisorApproval | None = _read(store, "supervisor_approval", job_id)
    delivered: DeliveryManifest | None = _read(store, "delivery_manifest", job_id)
    if granted is not None and granted.cut_sha256 == cut.sha256:
        cut_delivered = delivered is not None and any(d.kind == "final_cut" and d.sha256 == cut.sha256
                                                      for d in delivered.deliverables)
        return ReviewStatus("delivered" if cut_delivered else "approved", cut.sha256, decision, approvers)
    if decision is not None:
        return ReviewStatus("approved" if decision.kind == "approval" else "rejected", cut.sha256, decision,
                            approvers)
    return ReviewStatus("awaiting approval", cut.sha256, None, approvers)
