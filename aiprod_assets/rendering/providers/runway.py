"""Runway through runwayml: text_to_video creates a task, tasks.retrieve polls it, output URLs download.

The SDK's own retries are off: backoff, Retry-After and fallback are the chain's, so
every request the provider sees is one the journal and the rate limit know about.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiprod_assets.failures import classify_status, is_policy_refusal
from aiprod_assets.rendering.backend import RenderRequest
from aiprod_assets.rendering.providers.http_download import download_url
from aiprod_assets.rendering.providers.remote import TaskState
from aiprod_assets.rendering.providers.sdk_client import SharedClient
from aiprod_assets.rendering.providers.shapes import is_portrait, shot_prompt

QUEUED = ("PENDING", "THROTTLED")


@dataclass
class RunwayAdapter:
    model: str
    api_key: str
    base_url: str | None = None
    http_timeout_sec: float = 60.0
    name: str = "runway"
    can_cancel: bool = True

    def __post_init__(self):
        self._client = SharedClient(self._build_client)

    def _build_client(self):
        from runwayml import RunwayML

        return RunwayML(api_key=self.api_key, base_url=self.base_url, max_retries=0, timeout=self.http_timeout_sec)

    @property
    def client(self):
        return self._client.get()

    def _classified(self, err: Exception) -> Exception:
        import runwayml

        if isinstance(err, runwayml.APIStatusError):
            return classify_status(self.name, err.status_code, str(err.message),
                                   err.response.headers.get("retry-after"))
        return classify_status(self.name, None, f"{type(err).__name__}: {err}")

    def submit(self, request: RenderRequest, seconds: float) -> str:
        try:
            task = self.client.text_to_video.create(
                model=self.model, prompt_text=shot_prompt(request.shot), duration=int(seconds),
                ratio="720:1280" if is_portrait(request.profile) else "1280:720",
                seed=request.shot.seed % 2**32)
        except Exception as err:
            raise self._classified(err) from err
        return task.id

    def poll(self, task_id: str) -> TaskState:
        try:
            task = self.client.tasks.retrieve(task_id)
        except Exception as err:
            raise self._classified(err) from err
        if task.status in QUEUED:
            return TaskState("queued")
        if task.status == "RUNNING":
            return TaskState("running")
        if task.status == "SUCCEEDED":
            return TaskState("succeeded", output=task.output[0])
        code = getattr(task, "failure_code", None) or ""
        reason = getattr(task, "failure", None) or f"task {task.status.lower()}"
        return TaskState("failed", failure=f"{reason} ({code})" if code else reason,
                         policy_refusal=code.upper().startswith("SAFETY") or is_policy_refusal(reason))

    def download(self, state: TaskState, path: Path) -> None:
        download_url(self.name, state.output, path, self.http_timeout_sec)

    def cancel(self, task_id: str) -> None:
        try:
            self.client.tasks.delete(task_id)
        except Exception as err:
            raise self._classified(err) from err
