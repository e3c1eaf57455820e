"""What a reviewer can do to a job, the same from the web app and the CLI: each action checks the role,
validates against the job as it stands, and writes one event."""

from __future__ import annotations

from typing import Any

from aiprod_assets.contracts import FinalCut, RenderedClips, SanitizedInput, ShotList
from aiprod_assets.intake.text_rules import forbidden_characters
from aiprod_assets.layout import Store, read_artefact
from aiprod_assets.review.events import read_events, write_event
from aiprod_assets.review.records import (
    Reviewer,
    ReviewEvent,
    Role,
    may,
    new_event_id,
    now_iso,
)
from aiprod_assets.review.shot_edits import (
    EditRefused,
    changes_for,
    overrides_after,
    restore_changes,
    with_edits,
)

TEXT_MAX_CHARS = 4000


class ReviewError(Exception):
    """Refused, with the HTTP status that says why: 403 role, 404 missing, 409 stale, 422 invalid."""

    def __init__(self, status: int, message: str):
        self.status = status
        super().__init__(message)


def require(reviewer: Reviewer, role: Role, action: str) -> None:
    if not may(reviewer.role, role):
        raise ReviewError(403, f"{reviewer.name} is a {reviewer.role}; {action} needs the {role} role")


def _event(reviewer: Reviewer, job_id: str, kind: str, **fields) -> ReviewEvent:
    return ReviewEvent(event_id=new_event_id(), job_id=job_id, kind=kind, author=reviewer.name,
                       role=reviewer.role, at=now_iso(), **fields)


def _artefact(store: Store, name: str, job_id: str, needed_for: str):
    value = read_artefact(store, name, job_id)
    if value is None:
        raise ReviewError(404, f"job {job_id} has no {name} yet; {needed_for} needs it")
    return value


def _text(text: str, field: str, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ReviewError(422, f"{field}: empty; write what you mean")
    if len(text) > TEXT_MAX_CHARS or forbidden_characters(text, allow_newlines=True):
        raise ReviewError(422, f"{field}: at most {TEXT_MAX_CHARS} characters, no control characters")
    return text


def current_shots(store: Store, job_id: str) -> ShotList:
    """The shot list as the next render will see it: the stored one with every edit since applied."""
    return with_edits(_artefact(store, "shot_list", job_id, "this"), read_events(store, job_id))


def comment(store: Store, reviewer: Reviewer, job_id: str, shot_id: str, at_sec: float, text: str) -> ReviewEvent:
    require(reviewer, "commenter", "commenting")
    shot = next((s for s in current_shots(store, job_id).shots if s.shot_id == shot_id), None)
    if shot is None:
        raise ReviewError(422, f"shot {shot_id!r} is not in job {job_id}'s shot list")
    if not 0 <= float(at_sec) <= shot.spec.duration_sec + 1e-6:
        raise ReviewError(422, f"at: {at_sec}s is outside shot {shot_id} (0 to {shot.spec.duration_sec:g}s)")
    return write_event(store, _event(reviewer, job_id, "comment", shot_id=shot_id, timecode_sec=float(at_sec),
                                     text=_text(text, "text", required=True)))


def _current_cut(store: Store, job_id: str, cut_sha256: str | None) -> str:
    cut: FinalCut = _artefact(store, "final_cut", job_id, "a decision")
    if cut_sha256 is not None and cut_sha256 != cut.sha256:
        raise ReviewError(409, f"stale: you saw cut {cut_sha256[:12]}, the job's cut is now {cut.sha256[:12]}; "
                               "reload and look again")
    return cut.sha256


def approve(store: Store, reviewer: Reviewer, job_id: str, cut_sha256: str | None, text: str = "") -> ReviewEvent:
    require(reviewer, "approver", "approving")
    sha = _current_cut(store, job_id, cut_sha256)
    clips: RenderedClips = _artefact(store, "rendered_clips", job_id, "approval")
    return write_event(store, _event(reviewer, job_id, "approval", cut_sha256=sha, text=_text(text, "comment", False),
                                     releases_paid_render=clips.paid_render_held))


def reject(store: Store, reviewer: Reviewer, job_id: str, cut_sha256: str | None, reasons: list[str],
           shots: list[str]) -> ReviewEvent:
    require(reviewer, "approver", "rejecting")
    sha = _current_cut(store, job_id, cut_sha256)
    reasons = [_text(r, "reason", True) for r in reasons]
    if not reasons:
        raise ReviewError(422, "reason: a rejection says why")
    known = {s.shot_id for s in current_shots(store, job_id).shots}
    unknown = [s for s in shots if s not in known]
    if unknown:
        raise ReviewError(422, f"shot: {', '.join(unknown)} not in the shot list ({', '.join(sorted(known))})")
    return write_event(store, _event(reviewer, job_id, "rejection", cut_sha256=sha, reasons=reasons, shots=shots))


def edit_shot(store: Store, reviewer: Reviewer, job_id: str, shot_id: str, edit: dict[str, Any]) -> ReviewEvent:
    require(reviewer, "approver", "editing a shot")
    sanitized: SanitizedInput = _artefact(store, "sanitized_input", job_id, "an edit")
    try:
        changes = changes_for(current_shots(store, job_id), shot_id, edit, sanitized.brief.duration_sec)
    except EditRefused as err:
        raise ReviewError(422, str(err)) from err
    if not changes:
        raise ReviewError(422, f"shot {shot_id}: the edit changes nothing")
    return write_event(store, _event(reviewer, job_id, "shot_edit", shot_id=shot_id, changes=changes))


def restore(store: Store, reviewer: Reviewer, job_id: str, event_id: str) -> ReviewEvent:
    require(reviewer, "approver", "restoring a version")
    events = read_events(store, job_id)
    if not any(e.event_id == event_id for e in events):
        raise ReviewError(404, f"job {job_id} has no version {event_id}")
    target = overrides_after(events, upto=event_id)
    changes = restore_changes(overrides_after(events), target)
    if not changes:
        raise ReviewError(422, f"version {event_id} is the shot list as it stands")
    return write_event(store, _event(reviewer, job_id, "restore", overrides=target, changes=changes,
                                     restores=event_id))
