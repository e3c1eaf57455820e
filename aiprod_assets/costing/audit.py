"""The per-job audit trail of every cost decision: cost/audit/<job_id>.jsonl, one JSON object a line."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

from aiprod_assets.layout import Store, audit_key

EVENT_KINDS = ("estimate", "chain", "downgrade", "rejection", "reservation", "reconciliation", "overrun",
               "remediation_stopped", "stopped", "orchestration")


def read_audit(store: Store, job_id: str) -> list[dict]:
    key = audit_key(job_id)
    if not store.exists(key):
        return []
    return [json.loads(line) for line in store.get_bytes(key).decode("utf-8").splitlines() if line.strip()]


def append_audit(store: Store, job_id: str, kind: str, **details) -> dict:
    """Append one decision. The whole trail is rewritten atomically, so a reader never sees half a line."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"audit event {kind!r} is not one of {', '.join(EVENT_KINDS)}")
    event = {"at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "job_id": job_id, "kind": kind,
             **details}
    key = audit_key(job_id)
    existing = store.get_bytes(key) if store.exists(key) else b""
    store.put_bytes(key, existing + (json.dumps(event, sort_keys=True) + "\n").encode("utf-8"))
    return event


def audit_summary(events: list[dict]) -> dict[str, int]:
    return dict(Counter(event["kind"] for event in events))
