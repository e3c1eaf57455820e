"""The interface every render backend meets, local or remote, and its error kinds (DESIGN.md §7)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiprod_assets.contracts import RenderProfile, Shot


class RenderError(Exception):
    """A render that did not produce a clip. ``retryable`` decides between backoff and the next backend."""

    retryable = True

    def __init__(self, message: str, retry_after_sec: float | None = None):
        super().__init__(message)
        self.retry_after_sec = retry_after_sec


class RetryableRenderError(RenderError):
    """Timeouts, 429, 5xx, connection resets, CUDA out of memory: worth another try after a pause."""


class ShotFatalError(RenderError):
    """Content policy refusals, 4xx other than 429, corrupt output: this backend will not make this shot."""

    retryable = False


class TaskAbandoned(ShotFatalError):
    """A provider task that did not finish in time: submitting again would pay again, so move on."""


@dataclass(frozen=True)
class RenderRequest:
    job_id: str
    shot: Shot
    profile: RenderProfile
    out_path: Path
    # The spec_hash the clip will be stored under: remote backends key their provider tasks by it.
    spec_hash: str = ""


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


def clip_metadata(job_id: str, shot: Shot, backend_version: str) -> tuple[str, str]:
    """The title and comment every clip carries, naming its job and shot (DESIGN.md §6)."""
    title = f"{job_id} {shot.shot_id}"
    comment = f"aiprod job {job_id} shot {shot.shot_id} backend {backend_version} spec {shot.spec_hash}"
    return title, comment


class RenderBackend(Protocol):
    name: str
    version: str

    def render(self, request: RenderRequest) -> RenderResult:
        """Write the clip to ``request.out_path`` or raise a RenderError."""
        ...
