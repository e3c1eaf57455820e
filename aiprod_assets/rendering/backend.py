"""The interface every render backend meets, local or remote; its error kinds are in ``aiprod_assets.failures``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aiprod_assets.contracts import RenderProfile, Shot
from aiprod_assets.media.tags import aiprod_comment

if TYPE_CHECKING:
    from aiprod_assets.qa.as_encoded import EncodedPictures


@dataclass(frozen=True)
class RenderRequest:
    job_id: str
    shot: Shot
    profile: RenderProfile
    out_path: Path
    # The spec_hash the clip will be stored under: remote backends key their provider tasks by it.
    spec_hash: str = ""
    # Called with (frame index, yuv420p frame) by backends that draw frames here, for live previews.
    on_frame: Callable[[int, Any], None] | None = None
    # Called once the render has the device, by a backend whose renders wait their turn for it (the device
    # worker serves one at a time); the renderer calls it itself for the others.
    on_turn: Callable[[], None] | None = None
    # Asked by a renderer that judges each clip: a backend that encodes the clip itself measures its pictures
    # as they are encoded (RenderResult.encoded), so QA need not decode it.
    measure_pictures: bool = False


@dataclass(frozen=True)
class RenderResult:
    render_seconds: float
    device: str
    # None when the cost is device time: the caller prices it from the pricing table.
    charged_usd: float | None = None
    # Seconds a per-second API bills for; priced by the caller from the pricing table.
    billed_seconds: float | None = None
    provider_task_id: str | None = None
    # The provider's own file, when the clip at out_path was conformed from it.
    source_path: Path | None = None
    notes: tuple[str, ...] = ()
    # What QA measures of the clip's pictures, measured as it was encoded (qa/as_encoded.py); None where not.
    encoded: EncodedPictures | None = None
    # Rendered before the run asked for it, while the run was still starting (previz/render_ahead.py).
    rendered_ahead: bool = False


def clip_metadata(job_id: str, shot: Shot, backend_version: str, profile_name: str) -> tuple[str, str]:
    """The title and comment every clip carries, naming its job, render profile and shot (`aiprod qa` reads
    the profile back from them)."""
    title = f"{job_id} {shot.shot_id}"
    comment = aiprod_comment(job_id, profile_name, shot=shot.shot_id, backend=backend_version, spec=shot.spec_hash)
    return title, comment


class RenderBackend(Protocol):
    name: str
    version: str

    def render(self, request: RenderRequest) -> RenderResult:
        """Write the clip to ``request.out_path`` or raise a RenderError."""
        ...
