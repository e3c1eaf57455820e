"""Ledger rows from this system's own jobs: delivered ones, and ones stopped at their budget."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiprod_assets.contracts import (
    BudgetStop,
    ClipRecord,
    CostEstimate,
    CostLedgerRow,
    SanitizedInput,
)
from aiprod_assets.costing.ledger import frame_from_csv, ledger_frame
from aiprod_assets.layout import (
    BILLING_IMPORTS,
    JOBS,
    CorruptRecord,
    Store,
    budget_stop_key,
    job_ids_under_jobs,
    read_artefact,
    read_record,
)

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it


def ledger_row(sanitized: SanitizedInput, estimate: CostEstimate, clips: list[ClipRecord],
               finished_at: str) -> CostLedgerRow:
    rendered_by = Counter(c.backend for c in clips)
    backend = rendered_by.most_common(1)[0][0] if rendered_by else (estimate.chain or estimate.requested_chain)[0]
    chosen = next((b for b in estimate.per_backend if b.backend == backend), None)
    factors = {f.name: f.value for f in chosen.factors} if chosen is not None and chosen.kind == "self_hosted" else {}
    return CostLedgerRow(
        job_id=sanitized.job_id, finished_at=finished_at, complexity=sanitized.complexity.score,
        duration_sec=sanitized.brief.duration_sec, resolution=sanitized.brief.resolution, backend=backend,
        device=factors.get("gpu_model", "api"), quantization=factors.get("quantization", "FP16"),
        batch_size=int(factors.get("batch_efficiency", 1)), gpu_count=int(factors.get("multi_gpu_overhead", 1)),
        framework=factors.get("framework", "pytorch"), spot=factors.get("spot", "false") == "true",
        estimate_usd=estimate.total_usd if chosen is None else chosen.total_usd,
        actual_usd=round(sum(c.actual_cost_usd for c in clips), 8),
        prior_usd=chosen.prior_usd if chosen is not None else None)


def finished_job_rows(store: Store, on_skip: Callable[[str], None] = lambda warning: None) -> list[CostLedgerRow]:
    """A row per delivered or budget-stopped job; a job with an unreadable record is skipped, with a warning."""
    rows = []
    for job_id in job_ids_under_jobs(store.list_keys(JOBS)):
        try:
            row = _job_row(store, job_id)
        except CorruptRecord as err:
            on_skip(f"job {job_id} skipped: {err}")
            continue
        if row is not None:
            rows.append(row)
    return rows


def _job_row(store: Store, job_id: str) -> CostLedgerRow | None:
    sanitized = read_artefact(store, "sanitized_input", job_id)
    estimate = read_artefact(store, "cost_estimate", job_id)
    if sanitized is None or estimate is None:
        return None
    manifest = read_artefact(store, "delivery_manifest", job_id)
    if manifest is not None:
        clips = read_artefact(store, "rendered_clips", job_id)
        return ledger_row(sanitized, estimate, clips.clips if clips else [], manifest.delivered_at)
    stop = read_record(store, budget_stop_key(job_id), BudgetStop)
    return ledger_row(sanitized, estimate, stop.clips, stop.stopped_at) if stop is not None else None


def build_ledger(store: Store, on_skip: Callable[[str], None] = lambda warning: None) -> tuple[pd.DataFrame, int, int]:
    """The ledger: own finished jobs plus every imported billing export; (frame, own jobs, imported files)."""
    import pandas as pd

    rows = finished_job_rows(store, on_skip)
    imported = [frame_from_csv(store.get_bytes(key).decode("utf-8")) for key in store.list_keys(BILLING_IMPORTS)]
    frame = ledger_frame(rows)
    parts = [part for part in (frame, *imported) if not part.empty]
    if parts:
        frame = pd.concat(parts, ignore_index=True).sort_values(["finished_at", "job_id"])
        frame = frame.drop_duplicates("job_id", keep="last").reset_index(drop=True)
    return frame, len(rows), len(imported)
