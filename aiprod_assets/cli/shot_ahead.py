"""The shot a command's run will render first, rendered while the command loads Dagster.

A command that runs the graph spends about two seconds loading Dagster, its instance and the code location
before its run asks for a shot; the device worker has torch by then. Where the job already has a shot list,
the run renders its shots as the stored shot list with every edit applied says (what the review app shows as
the next render): the shot just edited (`aiprod edit-shot`, an edit in the review app), or the first whose
clip is not stored (`aiprod run` resuming a job). That shot is asked of the worker ahead; the worker serves
the run's request from it only where the request is exactly that render, and any other request stops it
(rendering/previz/render_ahead.py), so a guess the run proves wrong costs only some frames.
"""

from __future__ import annotations

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.layout import Store, clip_key
from aiprod_assets.rendering.previz.device_worker import warm_worker
from aiprod_assets.review.actions import ReviewError, current_shots
from aiprod_assets.review.live import PREVIEW_EVERY_FRAMES
from resources.gpu import TorchDevice


def render_shot_ahead(store: Store, job_id: str, shot_id: str | None = None) -> str | None:
    """Ask the warm device worker to render ``shot_id`` (None: the first shot without a stored clip) as the run
    will; the shot asked for, or None where the run will not render one there (no worker, no shot list yet,
    a shot for another backend, every clip already stored)."""
    worker = warm_worker()
    if worker is None:
        return None
    try:
        shots = current_shots(store, job_id)
    except ReviewError:
        return None  # no shot list yet: the job's first run plans it
    missing = [s for s in shots.shots if not store.exists(clip_key(job_id, s.shot_id, s.spec_hash))]
    shot = next((s for s in missing if shot_id in (None, s.shot_id)), None)
    if shot is None or (shot.backend, shot.backend_version) != ("previz", PREVIZ_VERSION):
        return None
    # As the production job's renderer asks: the CLI's definitions keep the gpu resource's defaults, every
    # render sends previews to the live feed, and its pictures are measured for QA as they are encoded.
    gpu = TorchDevice()
    worker.render_ahead(job_id, shot, shots.profile, gpu.device, gpu.threads, PREVIEW_EVERY_FRAMES, measure=True)
    return shot.shot_id
