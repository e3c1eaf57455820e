"""From the brief as submitted to the sanitized input the planner reads."""

from __future__ import annotations

from aiprod_assets.contracts import BriefRecord, SanitizedInput, ValidationIssue
from aiprod_assets.intake.complexity import route_for, score_complexity
from aiprod_assets.intake.validation import BriefInvalid, parse_brief


def sanitize(record: BriefRecord, budget_cap_usd: float) -> SanitizedInput:
    """Validate and normalize, or raise BriefInvalid naming every field to fix."""
    spec = parse_brief(record.content.encode("utf-8"), budget_cap_usd)
    if spec.job_id is not None and spec.job_id != record.job_id:
        raise BriefInvalid([ValidationIssue(
            field="job_id", code="job_id_mismatch",
            message=f"the brief says {spec.job_id!r} but it was submitted as job {record.job_id!r}",
            allowed=f"{record.job_id!r} or no job_id")])
    spec = spec.model_copy(update={"job_id": record.job_id})
    complexity = score_complexity(spec)
    notes = []
    if spec.title is None:
        notes.append("no title given: the planner derives one from the prompt")
    return SanitizedInput(job_id=record.job_id, brief_sha256=record.sha256, brief=spec,
                          complexity=complexity, route=route_for(complexity), notes=notes)
