"""The delivery manifest: what was delivered, what it cost against the estimate, how it passed QA."""

from __future__ import annotations

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


def cost_certification(estimate: CostEstimate, clips: RenderedClips) -> CostCertification:
    actual = clips.total_cost_usd
    variance = (actual - estimate.total_usd) / estimate.total_usd * 100 if estimate.total_usd else 0.0
    return CostCertification(estimate_usd=estimate.total_usd, actual_usd=actual, variance_pct=round(variance, 2),
                             within_budget=actual <= estimate.decision.budget_usd)


def qa_summary(technical: TechnicalQAReport, semantic: SemanticQAReport, cut: FinalCut) -> dict[str, float | bool | str]:
    checks = [c for clip in technical.clips for c in clip.checks] + list(cut.qa)
    return {
        "technical_passed": technical.passed and all(c.passed for c in cut.qa),
        "checks_run": float(len(checks)),
        "checks_failed": float(sum(not c.passed for c in checks)),
        "semantic_score": semantic.score,
        "semantic_threshold": semantic.threshold,
        "semantic_verdict": semantic.verdict,
        "remediation_renders": float(sum(max(0, len(c.attempts) - 1) for c in technical.clips)),
    }


def build_manifest(job_id: str, deliverables: list[Deliverable], estimate: CostEstimate, clips: RenderedClips,
                   technical: TechnicalQAReport, semantic: SemanticQAReport, cut: FinalCut,
                   lineage: dict[str, str]) -> DeliveryManifest:
    return DeliveryManifest(job_id=job_id, deliverables=deliverables, cost=cost_certification(estimate, clips),
                            qa_summary=qa_summary(technical, semantic, cut), lineage=lineage)
