"""The approval gate: whether a person must approve this cut, and what they decided about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from aiprod_assets.contracts import ApprovalMode, ModerationFlag, RenderedClips
from aiprod_assets.review.records import ReviewEvent

GateStateName = Literal["not_required", "approved", "awaiting", "rejected", "released"]


@dataclass
class GateState:
    state: GateStateName
    reasons_required: list[str] = field(default_factory=list)
    decision: ReviewEvent | None = None

    @property
    def delivers(self) -> bool:
        return self.state in ("not_required", "approved")


def accepted_qa_failures(clips: RenderedClips) -> list[str]:
    """Shots whose last QA attempt failed and that went on anyway (remediation exhausted or out of budget)."""
    return [c.shot_id for c in clips.clips if c.qa_attempts and not c.qa_attempts[-1].passed]


def approval_reasons(mode: ApprovalMode, moderation: list[ModerationFlag], clips: RenderedClips) -> list[str]:
    """Why this job needs a person's approval; empty when it does not. A moderation flag forces it whatever
    the policy; an accepted QA failure forces it unless the policy is ``none``."""
    reasons = ["the deployment's policy requires approval"] if mode == "required" else []
    reasons += [f"moderation: {f.category} in {f.field} ({f.source})" for f in moderation]
    if clips.paid_render_held:
        reasons.append("paid backends held until a reviewer releases the job; previz stands in")
    if mode != "none":
        reasons += [f"QA failure accepted on {shot}" for shot in accepted_qa_failures(clips)]
    return reasons


def decision_on(events: list[ReviewEvent], cut_sha256: str) -> ReviewEvent | None:
    """The latest approval or rejection of this very cut."""
    decisions = [e for e in events if e.kind in ("approval", "rejection") and e.cut_sha256 == cut_sha256]
    return decisions[-1] if decisions else None


def gate(reasons: list[str], events: list[ReviewEvent], cut_sha256: str, paid_render_held: bool) -> GateState:
    if not reasons:
        return GateState("not_required")
    decision = decision_on(events, cut_sha256)
    if decision is None:
        return GateState("awaiting", reasons)
    if decision.kind == "rejection":
        return GateState("rejected", reasons, decision)
    # Approving a previz stand-in releases the paid render; that cut is then approved in its turn.
    return GateState("released" if paid_render_held else "approved", reasons, decision)


def released(events: list[ReviewEvent]) -> bool:
    return any(e.kind == "approval" and e.releases_paid_render for e in events)
