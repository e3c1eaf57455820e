"""One job's figures for production health, read from its stored records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiprod_assets.contracts import BudgetStop, JobHealth
from aiprod_assets.layout import (
    JOBS,
    Store,
    artefact_or_none,
    budget_stop_key,
    job_ids_under_jobs,
    read_record,
)
from aiprod_assets.operations.health import wall_clock_sec

if TYPE_CHECKING:
    import pandas as pd  # imported where runs are tabled: a job never needs it


def shot_failures(clips) -> int:
    """Renders that did not stand: failed provider or device attempts and failed QA attempts."""
    return sum(max(0, clip.attempts - 1) for clip in clips)


def job_health(store: Store, job_id: str, runs: pd.DataFrame) -> JobHealth | None:
    estimate = artefact_or_none(store, "cost_estimate", job_id)
    if estimate is None:
        return None  # refused at intake or still planning: nothing committed yet
    manifest = artefact_or_none(store, "delivery_manifest", job_id)
    clips = artefact_or_none(store, "rendered_clips", job_id)
    records = clips.clips if clips else []
    if not records:
        stop = read_record(store, budget_stop_key(job_id), BudgetStop)
        records = stop.clips if stop else []
    spent = round(sum(c.actual_cost_usd for c in records), 8)
    semantic = artefact_or_none(store, "semantic_qa_report", job_id)
    delivered = manifest is not None
    # Approved and not delivered: the estimate is spoken for. Refused at its budget: nothing will be spent.
    pending = estimate.total_usd if estimate.decision.decision != "rejected" else 0.0
    return JobHealth(
        job_id=job_id, delivered=delivered, estimate_usd=estimate.total_usd,
        actual_usd=manifest.cost.actual_usd if delivered else spent,
        committed_usd=manifest.cost.actual_usd if delivered else max(pending, spent),
        quality_score=semantic.score if semantic else None,
        wall_clock_sec=wall_clock_sec(runs) if delivered else None,
        shot_failures=shot_failures(records))


def delivered_on(store: Store, day: str) -> list[str]:
    """Jobs whose delivery manifest was written on ``day`` (UTC), from their delivered_at stamps."""
    found = []
    for job_id in job_ids_under_jobs(store.list_keys(JOBS)):
        manifest = artefact_or_none(store, "delivery_manifest", job_id)
        if manifest is not None and manifest.delivered_at[:10] == day:
            found.append(job_id)
    return found
