"""The shot a command's run will render first, rendered while the command loads Dagster.

A command that runs the graph spends about two seconds loading Dagster, its instance and the code location
before its run asks for a shot; the device worker has torch by then. Where the job already has a shot list,
the run renders its shots as the stored shot list with every edit applied says (what the review app shows as
the next render): the shot just edited (`aiprod edit-shot`, an edit in the review app), or the first whose
clip is not stored (`aiprod run` resuming a job). A job's first run has no shot list yet: where the local
planner plans it, the plan is made here as the run will make it (the deployment's settings, the accepted
brief, planning/shot_plan.py), and its first shot is the one. That shot is asked of the worker ahead; the
worker serves the run's request from it only where the request is exactly that render, and any other request
stops it (rendering/previz/render_ahead.py), so a guess the run proves wrong costs only some frames.
"""

from __future__ import annotations

import os

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.contracts import ShotList
from aiprod_assets.deployment_settings import DEFAULT_BUDGET_CAP_USD, read_deployment
from aiprod_assets.intake.sanitize import sanitize
from aiprod_assets.intake.submission import brief_record
from aiprod_assets.layout import Store, accepted_brief_key, clip_key
from aiprod_assets.media.torch_device import DEFAULT_SETTING, DEFAULT_THREADS
from aiprod_assets.planning.local_planner import plan_production
from aiprod_assets.planning.shot_plan import planned_shot_list
from aiprod_assets.rendering.previz.device_worker import warm_worker
from aiprod_assets.review.actions import ReviewError, current_shots
from aiprod_assets.review.events import read_events
from aiprod_assets.review.live import PREVIEW_EVERY_FRAMES


def first_run_shots(store: Store, job_id: str) -> ShotList | None:
    """The shot list the first run of ``job_id`` will plan, planned as its assets will from the accepted brief
    and this deployment's settings; None where a model plans it (its answer cannot be foreseen) or the
    deployment or brief is one the run will refuse."""
    try:
        # The settings the run's resources are made from, read without Dagster; the CLI's runs keep the
        # policy's default budget cap.
        deployment = read_deployment(os.environ)
        if deployment.planner != "local":
            return None
        key = accepted_brief_key(job_id)
        sanitized = sanitize(brief_record(job_id, store.uri(key), store.get_bytes(key)), DEFAULT_BUDGET_CAP_USD)
        return planned_shot_list(plan_production(sanitized), sanitized, deployment.backends,
                                 read_events(store, job_id))
    except ValueError:  # DeploymentError, BriefInvalid: the run says what is wrong, naming the setting or field
        return None


def render_shot_ahead(store: Store, job_id: str, shot_id: str | None = None) -> str | None:
    """Ask the warm device worker to render ``shot_id`` (None: the first shot without a stored clip) as the run
    will; the shot asked for, or None where the run will not render one there (no worker, a shot for another
    backend, every clip already stored) or it cannot be foreseen (a first run a model plans)."""
    worker = warm_worker()
    if worker is None:
        return None
    try:
        shots = current_shots(store, job_id)
    except ReviewError:  # no shot list yet: the job's first run plans it
        shots = first_run_shots(store, job_id)
        if shots is None:
            return None
    missing = [s for s in shots.shots if not store.exists(clip_key(job_id, s.shot_id, s.spec_hash))]
    shot = next((s for s in missing if shot_id in (None, s.shot_id)), None)
    if shot is None or (shot.backend, shot.backend_version) != ("previz", PREVIZ_VERSION):
        return None
    # As the production job's renderer asks: the CLI's definitions keep the gpu resource's defaults, every
    # render sends previews to the live feed, and its pictures are measured for QA as they are encoded.
    worker.render_ahead(job_id, shot, shots.profile, DEFAULT_SETTING, DEFAULT_THREADS, PREVIEW_EVERY_FRAMES,
                        measure=True)
    return shot.shot_id
