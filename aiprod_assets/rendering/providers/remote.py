"""A remote provider as a render backend: submit once, record the task, poll, download, conform.

The provider's task id is in the journal before the first poll, so a run killed while
polling resumes that task when it is executed again and never submits (or pays) twice.
A task that outlives its timeout is recorded as abandoned, cancelled where the provider
allows it, and the shot moves to the next backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from aiprod_assets.backends import requested_seconds
from aiprod_assets.canonical import compute_spec_hash
from aiprod_assets.contracts import ProviderTask
from aiprod_assets.failures import (
    ContentPolicyRefusal,
    RenderError,
    RetryableRenderError,
    TaskAbandoned,
)
from aiprod_assets.rendering.backend import RenderRequest, RenderResult, clip_metadata
from aiprod_assets.rendering.providers.conform import conform_clip
from aiprod_assets.rendering.providers.rate_limit import RateLimiter
from aiprod_assets.rendering.providers.tasks import TaskJournal


@dataclass(frozen=True)
class TaskState:
    status: Literal["queued", "running", "succeeded", "failed"]
    output: object = None  # what download() needs: a URL, or the provider's video object
    failure: str | None = None
    policy_refusal: bool = False


class ProviderAdapter(Protocol):
    """The subset of a provider's API a render needs; every method raises classified RenderErrors."""

    name: str
    model: str
    can_cancel: bool

    def submit(self, request: RenderRequest, seconds: float) -> str: ...

    def poll(self, task_id: str) -> TaskState: ...

    def download(self, state: TaskState, path: Path) -> None: ...

    def cancel(self, task_id: str) -> None: ...


@dataclass(frozen=True)
class PollingLimits:
    poll_interval_sec: float = 5.0
    timeout_sec: float = 900.0  # from submission, across restarts


def _seconds_since(stamp: str, now: float) -> float:
    return now - datetime.fromisoformat(stamp).timestamp()


class RemoteBackend:
    def __init__(self, adapter: ProviderAdapter, journal: TaskJournal, limiter: RateLimiter,
                 limits: PollingLimits = PollingLimits(), sleep: Callable[[float], None] = time.sleep,
                 wall_clock: Callable[[], float] = time.time, encoder: str = "libx264",
                 on_event: Callable[[str], None] = lambda message: None):
        self.adapter, self.journal, self.limiter, self.limits = adapter, journal, limiter, limits
        self.sleep, self.wall_clock, self.encoder, self.on_event = sleep, wall_clock, encoder, on_event
        self.name, self.version = adapter.name, adapter.model

    def _call(self, method, *args):
        self.limiter.acquire()
        return method(*args)

    def render(self, request: RenderRequest) -> RenderResult:
        started = time.perf_counter()
        shot = request.shot
        seconds = requested_seconds(self.name, shot.spec.duration_sec)
        # Tasks are keyed by the clip's spec_hash: one render of this shot on this backend, one task.
        spec_hash = request.spec_hash or compute_spec_hash(shot.spec, shot.seed, self.name, self.version,
                                                           request.profile)
        task = self.journal.resumable(request.job_id, shot.shot_id, self.name, spec_hash)
        if task is None:
            task_id = self._call(self.adapter.submit, request, seconds)
            task = self.journal.submitted(request.job_id, shot.shot_id, self.name, self.version, spec_hash,
                                          task_id)
            self.on_event(f"shot {shot.shot_id}: {self.name} task {task_id} submitted ({seconds:g} s clip)")
        else:
            self.on_event(f"shot {shot.shot_id}: resuming {self.name} task {task.task_id} ({task.status})")
        state = self._wait(request, task)
        source = Path(request.out_path).with_suffix(".source.mp4")
        self._call(self.adapter.download, state, source)
        if task.status != "succeeded":
            self.journal.update(request.job_id, shot.shot_id, task, status="succeeded")
        title, comment = clip_metadata(request.job_id, shot, self.version, request.profile.name)
        report = conform_clip(source, Path(request.out_path), shot, request.profile, title,
                              f"{comment} provider task {task.task_id}", encoder=self.encoder,
                              measure=request.measure_pictures)
        return RenderResult(render_seconds=time.perf_counter() - started, device=f"{self.name} {self.version}",
                            billed_seconds=float(seconds), provider_task_id=task.task_id, source_path=source,
                            notes=tuple(report.actions), encoded=report.encoded)

    def _wait(self, request: RenderRequest, task: ProviderTask) -> TaskState:
        job_id, shot_id = request.job_id, request.shot.shot_id
        while True:
            state = self._call(self.adapter.poll, task.task_id)
            if state.status == "succeeded":
                return state
            if state.status == "failed":
                reason = state.failure or "the provider gave no reason"
                self.journal.update(job_id, shot_id, task, status="failed", reason=reason)
                if state.policy_refusal:
                    raise ContentPolicyRefusal(f"{self.name} refused shot {shot_id}: {reason}")
                raise RetryableRenderError(f"{self.name} task {task.task_id} failed: {reason}")
            waited = _seconds_since(task.submitted_at, self.wall_clock())
            if waited >= self.limits.timeout_sec:
                raise self._abandon(job_id, shot_id, task, waited)
            self.sleep(min(self.limits.poll_interval_sec, max(0.0, self.limits.timeout_sec - waited)))

    def _abandon(self, job_id: str, shot_id: str, task: ProviderTask, waited: float) -> RenderError:
        reason = f"not finished after {waited:.1f} s (timeout {self.limits.timeout_sec:g} s)"
        cancelled = False
        if self.adapter.can_cancel:
            try:
                self._call(self.adapter.cancel, task.task_id)
                cancelled = True
            except RenderError as err:
                reason += f"; cancel failed: {err}"
        self.journal.update(job_id, shot_id, task, status="abandoned", reason=reason, cancelled=cancelled)
        return TaskAbandoned(f"{self.name} task {task.task_id} abandoned: {reason}"
                             + (", cancelled" if cancelled else ""))

