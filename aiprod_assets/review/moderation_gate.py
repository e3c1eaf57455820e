"""Every soft moderation flag of a job before it renders: the brief's, each shot prompt's, and the
planner model's own safety verdict when a model planned it."""

from __future__ import annotations

from aiprod_assets.contracts import (
    ModerationFlag,
    ProductionManifest,
    SanitizedInput,
    ShotList,
)
from aiprod_assets.intake.moderation import moderate
from aiprod_assets.intake.sanitize import flag_record
from aiprod_assets.review.approval import released


def shot_list_flags(sanitized: SanitizedInput, manifest: ProductionManifest, shots: ShotList) -> list[ModerationFlag]:
    flags = list(sanitized.moderation) + list(manifest.safety)
    seen = {(f.category, f.source) for f in flags}
    for shot in shots.shots:
        for flag in moderate(shot.spec.prompt, f"shot {shot.shot_id} prompt"):
            # The local planner only rephrases the brief, but a model planner may add words of its own.
            if (flag.category, "local rules") not in seen:
                seen.add((flag.category, "local rules"))
                flags.append(flag_record(flag))
    return flags


FREE_BACKENDS = ("previz",)


def backends_to_use(chain: list[str], flags: list[ModerationFlag], events) -> tuple[list[str], bool]:
    """The chain to render with, and whether paid backends are held: a flagged job renders previz only until
    a reviewer's approval releases it."""
    paid = [name for name in chain if name not in FREE_BACKENDS]
    if not flags or not paid or released(events):
        return chain, False
    return list(FREE_BACKENDS), True
