"""Veo through google-genai: generate_videos starts a long-running operation, polled by name.

Video generation runs on Vertex AI; the client takes an API key (express mode) or a
project and location with application-default credentials. The finished video comes
back inline (bytes) or as a gs:// or https URI, depending on the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aiprod_assets.failures import ShotFatalError, classify_status, is_policy_refusal
from aiprod_assets.rendering.backend import RenderRequest
from aiprod_assets.rendering.providers.http_download import download_url
from aiprod_assets.rendering.providers.remote import TaskState
from aiprod_assets.rendering.providers.sdk_client import SharedClient
from aiprod_assets.rendering.providers.shapes import is_portrait, shot_prompt


@dataclass
class VeoAdapter:
    model: str
    api_key: str | None = None
    project: str | None = None
    location: str | None = None
    base_url: str | None = None
    http_timeout_sec: float = 60.0
    name: str = "veo"
    can_cancel: bool = False  # Vertex AI offers no cancel for video generation operations

    def __post_init__(self):
        self._client = SharedClient(self._build_client)

    def _build_client(self):
        from google import genai
        from google.genai import types

        options = types.HttpOptions(base_url=self.base_url, timeout=int(self.http_timeout_sec * 1000))
        auth = ({"api_key": self.api_key} if self.api_key
                else {"project": self.project, "location": self.location or "us-central1"})
        return genai.Client(vertexai=True, http_options=options, **auth)

    @property
    def client(self):
        return self._client.get()

    def _classified(self, err: Exception) -> Exception:
        from google.genai import errors

        if isinstance(err, errors.APIError):
            headers = getattr(getattr(err, "response", None), "headers", None) or {}
            return classify_status(self.name, err.code, err.message or str(err), headers.get("retry-after"))
        return classify_status(self.name, None, f"{type(err).__name__}: {err}")

    def submit(self, request: RenderRequest, seconds: float) -> str:
        from google.genai import types

        profile = request.profile
        config = types.GenerateVideosConfig(
            number_of_videos=1, duration_seconds=int(seconds), seed=request.shot.seed % 2**32,
            aspect_ratio="9:16" if is_portrait(profile) else "16:9",
            resolution="1080p" if max(profile.width, profile.height) >= 1920 else "720p")
        try:
            operation = self.client.models.generate_videos(
                model=self.model, source=types.GenerateVideosSource(prompt=shot_prompt(request.shot)), config=config)
        except Exception as err:
            raise self._classified(err) from err
        if not operation.name:
            raise ShotFatalError(f"{self.name}: the operation has no name")
        return operation.name

    def poll(self, task_id: str) -> TaskState:
        from google.genai import types

        try:
            operation = self.client.operations.get(types.GenerateVideosOperation(name=task_id))
        except Exception as err:
            raise self._classified(err) from err
        if not operation.done:
            return TaskState("running")
        if operation.error:
            message = str(operation.error.get("message") or operation.error)
            return TaskState("failed", failure=message, policy_refusal=is_policy_refusal(message))
        response = operation.response or operation.result
        videos = (response.generated_videos if response else None) or []
        if not videos or videos[0].video is None:
            reasons = "; ".join((response.rai_media_filtered_reasons or []) if response else [])
            filtered = bool(response and response.rai_media_filtered_count)
            return TaskState("failed", failure=reasons or "the operation finished without a video",
                             policy_refusal=filtered or is_policy_refusal(reasons))
        return TaskState("succeeded", output=videos[0].video)

    def download(self, state: TaskState, path: Path) -> None:
        video = state.output
        if video.video_bytes:
            path.write_bytes(video.video_bytes)
        elif video.uri and video.uri.startswith("gs://"):
            from google.cloud import storage

            bucket, _, key = video.uri.removeprefix("gs://").partition("/")
            storage.Client(project=self.project).bucket(bucket).blob(key).download_to_filename(str(path))
        elif video.uri:
            headers = {"x-goog-api-key": self.api_key} if self.api_key else {}
            download_url(self.name, video.uri, path, self.http_timeout_sec, headers)
        else:
            raise ShotFatalError(f"{self.name}: the video has neither bytes nor a uri")

    def cancel(self, task_id: str) -> None:
        raise ShotFatalError(f"{self.name}: operations cannot be cancelled")
