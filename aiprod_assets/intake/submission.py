"""Where a brief goes in the store: accepted under its job id, or rejected with its report.

Nothing is lost: a refused brief is kept byte for byte beside an error report
that says what to fix (DESIGN.md §3, §4).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import PurePath

from aiprod_assets.canonical import sha256_hex
from aiprod_assets.contracts import BriefRecord, ValidationIssue
from aiprod_assets.intake.validation import BriefInvalid, parse_brief
from aiprod_assets.job_ids import job_id_from_file
from aiprod_assets.layout import (
    Store,
    accepted_brief_key,
    rejected_brief_key,
    rejection_report_key,
)


def job_id_for(file_name: str, raw: bytes, budget_cap_usd: float) -> str:
    """Validate the brief and return its job id: its own, or one derived from the file."""
    spec = parse_brief(raw, budget_cap_usd)
    return spec.job_id or job_id_from_file(file_name, raw)


def brief_record(job_id: str, source: str, raw: bytes) -> BriefRecord:
    return BriefRecord(job_id=job_id, source=source, content=raw.decode("utf-8-sig"), sha256=sha256_hex(raw))


def error_report(file_name: str, raw: bytes, issues: list[ValidationIssue]) -> dict:
    return {
        "brief": file_name,
        "sha256": sha256_hex(raw),
        "rejected_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "errors": [issue.model_dump() for issue in issues],
        "how_to_fix": [f"{i.field}: {i.message}; allowed: {i.allowed}" for i in issues],
    }


def safe_file_name(file_name: str) -> str:
    """The base name only, so a crafted name cannot climb out of briefs/rejected/."""
    name = PurePath(file_name.replace("\\", "/")).name.lstrip(".") or "brief.json"
    return name if name.endswith(".json") else f"{name}.json"


def reject(store: Store, file_name: str, raw: bytes, issues: list[ValidationIssue]) -> str:
    """Keep the brief and its error report under briefs/rejected/; return the report's key."""
    name = safe_file_name(file_name)
    store.put_bytes(rejected_brief_key(name), raw)
    report_key = rejection_report_key(name)
    store.put_bytes(report_key, json.dumps(error_report(name, raw, issues), indent=2).encode("utf-8"))
    return report_key


def accept(store: Store, file_name: str, raw: bytes, budget_cap_usd: float) -> str:
    """Validate and file the brief under briefs/accepted/<job_id>.json, or reject it and raise."""
    try:
        job_id = job_id_for(file_name, raw, budget_cap_usd)
    except BriefInvalid as err:
        reject(store, file_name, raw, err.issues)
        raise
    store.put_bytes(accepted_brief_key(job_id), raw)
    return job_id
