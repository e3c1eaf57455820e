"""Where a brief goes in the store: accepted under its job id, or rejected with its report.

Nothing is lost: a refused brief is kept beside an error report that says what to fix
(DESIGN.md §3, §4). Each refusal gets names of its own (file name, time, content hash), so
two refused briefs never overwrite each other; of a brief over the size limit only the first
64 KiB are kept, and the report carries the sha256 and size of the whole.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import PurePath

from aiprod_assets.canonical import sha256_hex
from aiprod_assets.contracts import BriefRecord, ValidationIssue
from aiprod_assets.intake.limits import KEPT_BYTES, MAX_BRIEF_BYTES, BoundedInput
from aiprod_assets.intake.validation import BriefInvalid, parse_brief, too_large_issue
from aiprod_assets.job_ids import job_id_from_file
from aiprod_assets.layout import (
    REJECTED,
    Store,
    accepted_brief_key,
    rejected_brief_key,
    rejection_report_key,
)

ERROR_REPORT_SUFFIX = ".error.json"


def as_input(file_name: str, raw: bytes | BoundedInput, limit: int = MAX_BRIEF_BYTES) -> BoundedInput:
    """Bytes already in memory (a launchpad paste, a test) as a bounded input; a bounded input as it is."""
    if isinstance(raw, BoundedInput):
        return raw
    return BoundedInput(name=file_name, size=len(raw), sha256=sha256_hex(raw),
                        head=raw if len(raw) <= limit else raw[:KEPT_BYTES], limit=limit)


def job_id_for(file_name: str, raw: bytes | BoundedInput, budget_cap_usd: float) -> str:
    """Validate the brief and return its job id: its own, or one derived from the file."""
    submitted = as_input(file_name, raw)
    if submitted.too_large:
        raise BriefInvalid([too_large_issue(submitted.size, submitted.limit)])
    spec = parse_brief(submitted.data, budget_cap_usd, submitted.limit)
    return spec.job_id or job_id_from_file(file_name, submitted.data)


def brief_record(job_id: str, source: str, raw: bytes) -> BriefRecord:
    return BriefRecord(job_id=job_id, source=source, content=raw.decode("utf-8-sig"), sha256=sha256_hex(raw))


def error_report(file_name: str, submitted: BoundedInput, kept_bytes: int, issues: list[ValidationIssue]) -> dict:
    return {
        "brief": file_name,
        "sha256": submitted.sha256,
        "size_bytes": submitted.size,
        "kept_bytes": kept_bytes,
        "rejected_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "errors": [issue.model_dump() for issue in issues],
        "how_to_fix": [f"{i.field}: {i.message}; allowed: {i.allowed}" for i in issues],
    }


def safe_file_name(file_name: str) -> str:
    """The base name only, so a crafted name cannot climb out of briefs/rejected/."""
    name = PurePath(file_name.replace("\\", "/")).name.lstrip(".") or "brief.json"
    return name if name.endswith(".json") else f"{name}.json"


def reject(store: Store, file_name: str, raw: bytes | BoundedInput, issues: list[ValidationIssue]) -> str:
    """Keep the brief (at most its first 64 KiB) and its error report under briefs/rejected/, under names no
    other refusal uses; return the report's key."""
    submitted = as_input(file_name, raw)
    name = safe_file_name(file_name)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    unique = f"{name.removesuffix('.json')}.{stamp}-{submitted.sha256[:8]}.json"
    kept = submitted.head[:KEPT_BYTES]
    store.put_bytes(rejected_brief_key(unique), kept)
    report_key = rejection_report_key(unique)
    report = error_report(name, submitted, len(kept), issues)
    store.put_bytes(report_key, json.dumps(report, indent=2).encode("utf-8"))
    return report_key


def latest_rejection(store: Store, file_name: str) -> str | None:
    """The key of the newest error report of briefs refused under ``file_name``, if any."""
    stem = safe_file_name(file_name).removesuffix(".json")
    reports = [key for key in store.list_keys(REJECTED)
               if key.endswith(ERROR_REPORT_SUFFIX) and key.rsplit("/", 1)[-1].startswith(f"{stem}.")]
    return max(reports, default=None)


def _validated(store: Store, file_name: str, raw: bytes | BoundedInput, budget_cap_usd: float):
    """(job id, input) of a valid brief; a refused one is kept with its report, and BriefInvalid says where."""
    submitted = as_input(file_name, raw)
    try:
        return job_id_for(file_name, submitted, budget_cap_usd), submitted
    except BriefInvalid as err:
        err.report_key = reject(store, file_name, submitted, err.issues)
        raise


def accept(store: Store, file_name: str, raw: bytes | BoundedInput, budget_cap_usd: float) -> str:
    """Validate and file the brief under briefs/accepted/<job_id>.json, where the brief asset reads it."""
    job_id, submitted = _validated(store, file_name, raw, budget_cap_usd)
    store.put_bytes(accepted_brief_key(job_id), submitted.data)
    return job_id

