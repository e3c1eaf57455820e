"""The job's version history: every edit, restore and decision, numbered, with its author and diff."""

from __future__ import annotations

from aiprod_assets.review.records import VERSION_KINDS, Change, ReviewEvent


def _diff(event: ReviewEvent) -> list[Change]:
    if event.kind in ("shot_edit", "restore"):
        return event.changes
    after = "approved" if event.kind == "approval" else "rejected: " + "; ".join(event.reasons)
    return [Change(shot_id=shot, field="approval", before=None, after=after) for shot in event.shots] or \
        [Change(shot_id="*", field="approval", before=None, after=f"{after} (cut {event.cut_sha256[:12]})")]


def versions(events: list[ReviewEvent]) -> list[dict]:
    history = []
    for event in events:
        if event.kind not in VERSION_KINDS:
            continue
        history.append({"version": len(history) + 1, "event_id": event.event_id, "kind": event.kind,
                        "author": event.author, "role": event.role, "at": event.at,
                        "restores": event.restores, "comment": event.text,
                        "diff": [c.model_dump(mode="json") for c in _diff(event)]})
    return history


def history_lines(events: list[ReviewEvent]) -> list[str]:
    """`aiprod history`: one line per version, one indented line per changed field."""
    lines = []
    for version in versions(events):
        what = version["kind"].replace("_", " ") + (f" of {version['restores']}" if version["restores"] else "")
        lines.append(f"v{version['version']} {version['at']} {version['author']} ({version['role']}): {what} "
                     f"[{version['event_id']}]")
        for change in version["diff"]:
            before = "(planned)" if change["before"] is None else repr(change["before"])
            after = "(planned)" if change["after"] is None else repr(change["after"])
            lines.append(f"    {change['shot_id']}.{change['field']}: {before} -> {after}"
                         if change["field"] != "approval" else f"    {change['shot_id']}: {change['after']}")
    return lines
