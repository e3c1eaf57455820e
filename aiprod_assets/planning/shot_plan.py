"""The shot list a job's run plans: the planner's shots in the brief's render profile, for the first backend
the brief asks of those the deployment has switched on, with the reviewers' edits applied.

The shot_list asset plans with it, and so does the CLI when it guesses which shot a job's first run will
render first (cli/shot_ahead.py): one function, so the guess is the run's own plan.
"""

from __future__ import annotations

from aiprod_assets.backends import backend_version, requested_chain
from aiprod_assets.contracts import ProductionManifest, SanitizedInput, ShotList
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.planning.shots import build_shot_list
from aiprod_assets.review.records import ReviewEvent
from aiprod_assets.review.shot_edits import (
    apply_overrides,
    last_edit_id,
    overrides_after,
)


def planned_shot_list(manifest: ProductionManifest, sanitized: SanitizedInput, enabled_backends: list[str],
                      events: list[ReviewEvent]) -> ShotList:
    brief = sanitized.brief
    profile = render_profile(brief.resolution, brief.aspect_ratio, brief.fps)
    backend = requested_chain(brief.backends, enabled_backends)[0]
    planned = build_shot_list(manifest, profile, backend, backend_version(backend))
    return apply_overrides(planned, overrides_after(events), last_edit_id(events))
