"""What a reviewer does, as immutable records: one event per action, with author, role, time and diff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from aiprod_assets.contracts import Model

Role = Literal["viewer", "commenter", "approver"]
ROLES: tuple[Role, ...] = ("viewer", "commenter", "approver")
EventKind = Literal["comment", "approval", "rejection", "shot_edit", "restore"]
# The events that make a new version of the job (comments do not).
VERSION_KINDS = ("shot_edit", "restore", "approval", "rejection")
# The events the approval sensor acts on.
ACTION_KINDS = ("approval", "shot_edit", "restore")


def may(role: str, needed: Role) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)  # type: ignore[arg-type]


class Reviewer(Model):
    name: str
    role: Role
    token_sha256: str
    added_at: str


class Change(Model):
    """One field of one shot, before and after."""

    shot_id: str
    field: str
    before: Any = None
    after: Any = None


class ReviewEvent(Model):
    event_id: str
    job_id: str
    kind: EventKind
    author: str
    role: Role
    at: str
    text: str = ""
    shot_id: str | None = None
    timecode_sec: float | None = None
    # Decisions: the cut they were made on, and for a rejection its reasons and the shots it names.
    cut_sha256: str | None = None
    reasons: list[str] = Field(default_factory=list)
    shots: list[str] = Field(default_factory=list)
    # An approval of a cut rendered while paid backends were held: it releases them.
    releases_paid_render: bool = False
    # Edits: the reviewer's overrides of every shot after this event (shot id -> field -> value), and
    # the changes against the version before.
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    changes: list[Change] = Field(default_factory=list)
    restores: str | None = None


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_event_id() -> str:
    """Sortable by time, unique across writers."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%fZ')}-{uuid.uuid4().hex[:12]}"
