"""A reviewer's shot edits: validated against the job, folded into overrides, applied to the planner's shots.

Each edit event holds only its own changes and a restore holds the whole state it returns to, so the
state is a fold over events in time order and two reviewers editing at once never overwrite each other.
"""

from __future__ import annotations

from typing import Any, get_args

from aiprod_assets.canonical import compute_spec_hash
from aiprod_assets.contracts import CameraMove, Lighting, ShotList
from aiprod_assets.intake.moderation import hard_flags, moderate
from aiprod_assets.intake.text_rules import forbidden_characters, injection_phrases
from aiprod_assets.review.records import Change, ReviewEvent

EDITABLE = ("prompt", "camera_move", "lighting", "duration_sec")
PROMPT_MAX_CHARS = 2000
Overrides = dict[str, dict[str, Any]]


class EditRefused(ValueError):
    def __init__(self, field: str, message: str, allowed: str):
        self.field, self.allowed = field, allowed
        super().__init__(f"{field}: {message} (allowed: {allowed})")


def overrides_after(events: list[ReviewEvent], upto: str | None = None) -> Overrides:
    """The reviewers' overrides once every edit up to event ``upto`` (all, when None) is applied."""
    state: Overrides = {}
    for event in events:
        if event.kind == "restore":
            state = {shot: dict(fields) for shot, fields in event.overrides.items()}
        elif event.kind == "shot_edit":
            for change in event.changes:
                state.setdefault(change.shot_id, {})[change.field] = change.after
        if upto is not None and event.event_id == upto:
            break
    return state


def last_edit_id(events: list[ReviewEvent]) -> str:
    return next((e.event_id for e in reversed(events) if e.kind in ("shot_edit", "restore")), "")


def _checked(field: str, value: Any) -> Any:
    if field == "prompt":
        if not isinstance(value, str) or not value.strip() or len(value) > PROMPT_MAX_CHARS:
            raise EditRefused(field, "must be text", f"1-{PROMPT_MAX_CHARS} characters")
        if forbidden_characters(value, allow_newlines=True) or injection_phrases(value):
            raise EditRefused(field, "has control characters or instructions to the planner", "plain prose")
        refused = hard_flags(moderate(value, f"shot {field}"))
        if refused:
            raise EditRefused(field, f"refused by moderation: {refused[0].category}",
                              "text outside the refused categories")
        return value.strip()
    if field == "camera_move":
        return _choice(field, value, get_args(CameraMove))
    if field == "lighting":
        return _choice(field, value, get_args(Lighting))
    if field == "duration_sec":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise EditRefused(field, f"{value!r} is not a positive number of seconds", "seconds > 0")
        return float(value)
    raise EditRefused(field, "cannot be edited", ", ".join(EDITABLE))


def _choice(field: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise EditRefused(field, f"{value!r} is not one of them", ", ".join(allowed))
    return value


def changes_for(shots: ShotList, shot_id: str, edit: dict[str, Any], max_total_sec: float) -> list[Change]:
    """The changes an edit of SHOT_ID makes to the current shot list, or EditRefused naming the field."""
    shot = next((s for s in shots.shots if s.shot_id == shot_id), None)
    if shot is None:
        raise EditRefused("shot_id", f"{shot_id!r} is not in the shot list", ", ".join(s.shot_id for s in shots.shots))
    if not edit:
        raise EditRefused("edit", "nothing to change", ", ".join(EDITABLE))
    changes = []
    for field, value in edit.items():
        after = _checked(field, value)
        before = getattr(shot.spec, field)
        if after != before:
            changes.append(Change(shot_id=shot_id, field=field, before=before, after=after))
    if "duration_sec" in edit:
        fps = shots.profile.fps
        others = sum(s.spec.frames for s in shots.shots if s.shot_id != shot_id)
        limit = max(round(max_total_sec * fps), shots.total_frames)
        if others + max(1, round(float(edit["duration_sec"]) * fps)) > limit:
            room = (limit - others) / fps
            raise EditRefused("duration_sec", f"{edit['duration_sec']}s makes the job longer than its "
                              f"{limit / fps:g}s", f"at most {room:.2f}s for {shot_id}")
    return changes


def apply_overrides(shots: ShotList, overrides: Overrides, version: str = "") -> ShotList:
    """The planner's shots with the reviewers' overrides: only an edited shot's spec_hash changes."""
    profile = shots.profile
    edited = []
    for shot in shots.shots:
        fields = overrides.get(shot.shot_id)
        if not fields:
            edited.append(shot)
            continue
        update = {k: v for k, v in fields.items() if k in EDITABLE}
        if "duration_sec" in update:
            update["frames"] = max(1, round(update["duration_sec"] * profile.fps))
            update["duration_sec"] = round(update["frames"] / profile.fps, 6)
        if "prompt" in update:
            update["caption"] = f"{shot.index + 1:02d} {shot.shot_id} {update['prompt']}"[:72]
        spec = shot.spec.model_copy(update=update)
        spec_hash = compute_spec_hash(spec, shot.seed, shot.backend, shot.backend_version, profile)
        edited.append(shot.model_copy(update={"spec": spec, "spec_hash": spec_hash}))
    return shots.model_copy(update={"shots": edited, "total_frames": sum(s.spec.frames for s in edited),
                                    "review_version": version})


def with_edits(shots: ShotList, events: list[ReviewEvent]) -> ShotList:
    """The stored shot list with every edit since applied: the shot list the next render will see."""
    return apply_overrides(shots, overrides_after(events), shots.review_version)


def restore_changes(current: Overrides, target: Overrides) -> list[Change]:
    """What restoring ``target`` changes, field by field (None: the planner's own value)."""
    changes = []
    for shot_id in sorted(set(current) | set(target)):
        for field in sorted(set(current.get(shot_id, {})) | set(target.get(shot_id, {}))):
            before, after = current.get(shot_id, {}).get(field), target.get(shot_id, {}).get(field)
            if before != after:
                changes.append(Change(shot_id=shot_id, field=field, before=before, after=after))
    return changes
