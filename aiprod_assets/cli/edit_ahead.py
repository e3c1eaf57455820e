"""The shot an edit calls for, rendered while the command that made the edit loads Dagster.

`aiprod edit-shot` spends about two seconds loading Dagster, its instance and the code location before its
run asks for the edited shot; the device worker has torch by then. The run renders the shot as the
stored shot list with every edit applied says it (what the review app shows as the next render), so that
shot is asked of the worker ahead; the worker serves the run's request from it only where the request is
exactly that render (rendering/previz/render_ahead.py).
"""

from __future__ import annotations

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.layout import Store, clip_key
from aiprod_assets.rendering.previz.device_worker import warm_worker
from aiprod_assets.review.actions import current_shots
from aiprod_assets.review.live import PREVIEW_EVERY_FRAMES
from resources.gpu import TorchDevice


def render_edited_shot_ahead(store: Store, job_id: str, shot_id: str) -> bool:
    """Ask the warm device worker to render ``shot_id`` as the run will; False where the run will not render
    it there (no worker, not a previz shot, its clip already stored)."""
    worker = warm_worker()
    if worker is None:
        return False
    shots = current_shots(store, job_id)
    shot = next((s for s in shots.shots if s.shot_id == shot_id), None)
    if shot is None or (shot.backend, shot.backend_version) != ("previz", PREVIZ_VERSION):
        return False
    if store.exists(clip_key(job_id, shot_id, shot.spec_hash)):
        return False  # the run reuses it
    # As the production job's renderer asks: the CLI's definitions keep the gpu resource's defaults, every
    # render sends previews to the live feed, and its pictures are measured for QA as they are encoded.
    gpu = TorchDevice()
    worker.render_ahead(job_id, shot, shots.profile, gpu.device, gpu.threads, PREVIEW_EVERY_FRAMES, measure=True)
    return True
