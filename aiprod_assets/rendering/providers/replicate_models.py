"""Replicate through replicate: a prediction is created on a model, polled by id, its output downloaded.

Replicate's client retries GETs on 429/503 itself; a create is never retried there, and
its Retry-After is caught from the response so the chain's backoff can honour it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from aiprod_assets.failures import classify_status, is_policy_refusal
from aiprod_assets.rendering.backend import RenderRequest
from aiprod_assets.rendering.providers.http_download import download_url
from aiprod_assets.rendering.providers.remote import TaskState
from aiprod_assets.rendering.providers.sdk_client import SharedClient
from aiprod_assets.rendering.providers.shapes import shot_prompt

QUEUED, RUNNING = ("starting",), ("processing",)


@dataclass
class ReplicateAdapter:
    model: str
    api_token: str
    base_url: str | None = None
    http_timeout_sec: float = 60.0
    name: str = "replicate"
    can_cancel: bool = True

    def __post_init__(self):
        self._client = SharedClient(self._build_client)
        # Per thread: shots poll concurrently, and a 429's Retry-After belongs to the request that got it.
        self._last_response = threading.local()

    def _remember_retry_after(self, response) -> None:
        self._last_response.retry_after = response.headers.get("retry-after")

    @property
    def _retry_after(self) -> str | None:
        return getattr(self._last_response, "retry_after", None)

    def _build_client(self):
        import httpx
        import replicate

        return replicate.Client(api_token=self.api_token, base_url=self.base_url,
                                timeout=httpx.Timeout(self.http_timeout_sec, connect=10.0),
                                event_hooks={"response": [self._remember_retry_after]})

    @property
    def client(self):
        return self._client.get()

    def _classified(self, err: Exception) -> Exception:
        from replicate.exceptions import ReplicateError

        if isinstance(err, ReplicateError):
            return classify_status(self.name, err.status, err.detail or err.title or str(err), self._retry_after)
        return classify_status(self.name, None, f"{type(err).__name__}: {err}")

    def submit(self, request: RenderRequest, seconds: float) -> str:
        try:
            prediction = self.client.models.predictions.create(
                model=self.model, input={"prompt": shot_prompt(request.shot), "prompt_optimizer": False})
        except Exception as err:
            raise self._classified(err) from err
        return prediction.id

    def poll(self, task_id: str) -> TaskState:
        try:
            prediction = self.client.predictions.get(task_id)
        except Exception as err:
            raise self._classified(err) from err
        if prediction.status in QUEUED:
            return TaskState("queued")
        if prediction.status in RUNNING:
            return TaskState("running")
        if prediction.status == "succeeded":
            output = prediction.output
            return TaskState("succeeded", output=output[0] if isinstance(output, list) else output)
        reason = str(prediction.error or f"prediction {prediction.status}")
        return TaskState("failed", failure=reason, policy_refusal=is_policy_refusal(reason))

    def download(self, state: TaskState, path: Path) -> None:
        download_url(self.name, str(state.output), path, self.http_timeout_sec)

    def cancel(self, task_id: str) -> None:
        try:
            self.client.predictions.cancel(task_id)
        except Exception as err:
            raise self._classified(err) from err
