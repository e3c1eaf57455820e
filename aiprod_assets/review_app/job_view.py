"""A job as the review page shows it: storyboard, clips as they land, the cut, QA, cost and the talk."""

from __future__ import annotations

from aiprod_assets.contracts import (
    ClipRecord,
    CostEstimate,
    FinalCut,
    RenderedClips,
    SemanticQAReport,
    TechnicalQAReport,
)
from aiprod_assets.layout import (
    CorruptRecord,
    Store,
    artefact_or_none,
    job_ids_under_jobs,
    read_record,
    sidecar_key,
)
from aiprod_assets.review.events import read_events
from aiprod_assets.review.shot_edits import with_edits
from aiprod_assets.review.status import review_status
from aiprod_assets.review.versions import versions


def job_ids(store: Store) -> list[str]:
    return job_ids_under_jobs(store.list_keys("jobs/"))


def _title(store: Store, job_id: str) -> str:
    sanitized = artefact_or_none(store, "sanitized_input", job_id)
    manifest = artefact_or_none(store, "production_manifest", job_id)
    return (manifest.title if manifest else None) or (sanitized.brief.title if sanitized else None) or job_id


def job_summary(store: Store, job_id: str) -> dict:
    return {"job_id": job_id, "title": _title(store, job_id),
            "state": review_status(store, job_id, with_approvers=False).state}


def _clip(store: Store, job_id: str, shot, stored: dict[str, ClipRecord]) -> dict | None:
    """The shot's clip: the one made for its current spec, else the last render's while the shot is unedited."""
    try:
        record = read_record(store, sidecar_key(job_id, shot.shot_id, shot.spec_hash), ClipRecord)
    except CorruptRecord:
        record = None
    record = record or stored.get(shot.shot_id)
    if record is None:
        return None
    return {"url": f"/media/{job_id}/clips/{shot.shot_id}/{record.spec_hash[:16]}.mp4", "backend": record.backend,
            "sha256": record.sha256, "render_seconds": record.render_seconds, "cost_usd": record.actual_cost_usd,
            "reused": record.reused}


def job_view(store: Store, job_id: str) -> dict:
    events = read_events(store, job_id)
    status = review_status(store, job_id, events)
    view = {"job_id": job_id, "title": _title(store, job_id), "state": status.state, "shots": [], "cut": None,
            "qa": None, "cost": None, "comments": [e.model_dump(mode="json") for e in events if e.kind == "comment"],
            "versions": versions(events), "approvers": status.approvers,
            "decision": status.decision.model_dump(mode="json") if status.decision else None}
    stored_list = artefact_or_none(store, "shot_list", job_id)
    if stored_list is None:
        return view
    shots = with_edits(stored_list, events)
    unedited = {s.shot_id for s in shots.shots
                if any(o.shot_id == s.shot_id and o.spec_hash == s.spec_hash for o in stored_list.shots)}
    clips: RenderedClips | None = artefact_or_none(store, "rendered_clips", job_id)
    stored = {c.shot_id: c for c in (clips.clips if clips else []) if c.shot_id in unedited}
    for shot in shots.shots:
        view["shots"].append({
            "shot_id": shot.shot_id, "index": shot.index, "prompt": shot.spec.prompt,
            "camera_move": shot.spec.camera_move, "lighting": shot.spec.lighting,
            "duration_sec": shot.spec.duration_sec, "spec_hash": shot.spec_hash,
            "keyframe_url": f"/media/{job_id}/keyframes/{shot.shot_id}/{shot.spec_hash[:16]}.jpg",
            "clip": _clip(store, job_id, shot, stored)})
    view["moderation"] = [f.model_dump(mode="json") for f in shots.moderation]
    cut: FinalCut | None = artefact_or_none(store, "final_cut", job_id)
    if cut is not None:
        view["cut"] = {"sha256": cut.sha256, "duration_sec": cut.duration_sec,
                       "url": f"/media/{job_id}/final_cut/{cut.sha256[:16]}.mp4"}
    technical: TechnicalQAReport | None = artefact_or_none(store, "technical_qa_report", job_id)
    semantic: SemanticQAReport | None = artefact_or_none(store, "semantic_qa_report", job_id)
    if technical or semantic:
        view["qa"] = {"technical": technical.passed if technical else None,
                      "semantic_score": semantic.score if semantic else None,
                      "semantic_verdict": semantic.verdict if semantic else None,
                      "shots": {s.shot_id: {"score": s.score, "verdict": s.verdict}
                                for s in (semantic.shots if semantic else [])}}
    estimate: CostEstimate | None = artefact_or_none(store, "cost_estimate", job_id)
    if estimate is not None:
        view["cost"] = {"budget_usd": estimate.decision.budget_usd, "estimate_usd": estimate.total_usd,
                        "actual_usd": clips.total_cost_usd if clips else None}
    return view
