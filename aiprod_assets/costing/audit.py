"""The per-job audit trail of every cost decision: cost/audit/<job_id>.jsonl, one JSON object a line."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

from aiprod_assets.layout import Store, audit_key

EVENT_KINDS = ("estimate", "chain", "downgrade", "rejection", "reservation", "reconciliation", "overrun",
               "remediation_stopped", "stopped", "orchestration")


@dataclass
class AuditTrail:
    events: list[dict]
    bad_lines: list[int]  # 1-based numbers of lines that are not an audit event: skipped, and reported


def read_audit_trail(store: Store, job_id: str) -> AuditTrail:
    events, bad = [], []
    for number, line in enumerate(store.read_lines(audit_key(job_id)), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if isinstance(event, dict) and event.get("kind") in EVENT_KINDS:
            events.append(event)
        else:
            bad.append(number)
    return AuditTrail(events=events, bad_lines=bad)


def read_audit(store: Store, job_id: str) -> list[dict]:
    return read_audit_trail(store, job_id).events


def append_audit(store: Store, job_id: str, kind: str, **details) -> dict:
    """Append one decision as one line; concurrent writers never lose each other's entries."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"audit event {kind!r} is not one of {', '.join(EVENT_KINDS)}")
    event = {"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "job_id": job_id, "kind": kind,
             **details}
    store.append_line(audit_key(job_id), json.dumps(event, sort_keys=True))
    return event


def audit_summary(events: list[dict]) -> dict[str, int]:
    return dict(Counter(event["kind"] for event in events))
