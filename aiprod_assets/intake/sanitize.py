"""From the brief as submitted to the sanitized input the planner reads."""

from __future__ import annotations

from aiprod_assets.contracts import (
    BriefRecord,
    BriefSpec,
    ModerationFlag,
    SanitizedInput,
    ValidationIssue,
)
from aiprod_assets.intake.complexity import route_for, score_complexity
from aiprod_assets.intake.moderation import Flag, hard_flags, moderate, soft_flags
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
    flags = moderate_brief(spec)
    refused = hard_flags(flags)
    if refused:
        raise BriefInvalid([moderation_issue(flag) for flag in refused])
    complexity = score_complexity(spec)
    notes = []
    if spec.title is None:
        notes.append("no title given: the planner derives one from the prompt")
    return SanitizedInput(job_id=record.job_id, brief_sha256=record.sha256, brief=spec,
                          complexity=complexity, route=route_for(complexity), notes=notes,
                          moderation=[flag_record(f) for f in soft_flags(flags)])


def moderate_brief(spec: BriefSpec) -> list[Flag]:
    texts = {"prompt": spec.prompt, "title": spec.title or "", "style.look": spec.style.look,
             "style.mood": spec.style.mood}
    for n, character in enumerate(spec.characters):
        texts[f"characters[{n}]"] = f"{character.name}: {character.appearance}"
    return [flag for field, text in texts.items() for flag in moderate(text, field)]


def moderation_issue(flag: Flag) -> ValidationIssue:
    return ValidationIssue(field=flag.field, code="moderation_refused",
                           message=f"refused by moderation: {flag.category} ({flag.evidence!r})",
                           allowed=f"text outside the refused categories; {flag.category} is never rendered")


def flag_record(flag: Flag, source: str = "local rules") -> ModerationFlag:
    return ModerationFlag(category=flag.category, severity=flag.severity, field=flag.field,
                          evidence=flag.evidence, source=source)
