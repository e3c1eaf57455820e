"""The delivery manifest: what was delivered, what it cost against the estimate, how it passed QA."""

from __future__ import annotations

from datetime import UTC, datetime

from aiprod_assets.contracts import (
    CostCertification,
    CostEstimate,
    Deliverable,
    DeliveryManifest,
    FinalCut,
    RenderedClips,
    SemanticQAReport,
    TechnicalQAReport,
)
from aiprod_assets.costing.audit import audit_summary


def cost_certification(estimate: CostEstimate, clips: RenderedClips, audit_uri: str = "",
                       audit_events: list[dict] | None = None, orchestration_usd: float = 0.0) -> CostCertification:
    actual = clips.total_cost_usd
    variance = (actual - estimate.total_usd) / estimate.total_usd * 100 if estimate.total_usd else 0.0
    return CostCertification(estimate_usd=estimate.total_usd, actual_usd=actual, variance_pct=round(variance, 2),
                             within_budget=actual + orchestration_usd <= estimate.decision.budget_usd,
                             orchestration_usd=round(orchestration_usd, 8),
                             budget_usd=estimate.decision.budget_usd, model_version=estimate.model_version,
                             audit_uri=audit_uri, decisions=audit_summary(audit_events or []))


def qa_summary(technical: TechnicalQAReport, semantic: SemanticQAReport, cut: FinalCut) -> dict[str, float | bool | str]:
    checks = [c for clip in technical.clips for c in clip.checks] + list(cut.qa)
    return {
        "technical_passed": technical.passed and all(c.passed for c in cut.qa),
        "checks_run": float(len(checks)),
        "checks_failed": float(sum(not c.passed for c in checks)),
        "semantic_score": semantic.score,
        "semantic_threshold": semantic.threshold,
        "semantic_verdict": semantic.verdict,
        "semantic_coverage": semantic.coverage(),
        "remediation_renders": float(sum(max(0, len(c.attempts) - 1) for c in technical.clips)),
    }


def build_manifest(job_id: str, deliverables: list[Deliverable], estimate: CostEstimate, clips: RenderedClips,
                   technical: TechnicalQAReport, semantic: SemanticQAReport, cut: FinalCut,
                   lineage: dict[str, str], audit_uri: str, audit_events: list[dict],
                   orchestration_usd: float = 0.0) -> DeliveryManifest:
    return DeliveryManifest(job_id=job_id, delivered_at=datetime.now(UTC).isoformat(timespec="seconds"),
                            deliverables=deliverables,
                            cost=cost_certification(estimate, clips, audit_uri, audit_events, orchestration_usd),
                            qa_summary=qa_summary(technical, semantic, cut), lineage=lineage)
