"""Local HTTP servers on 127.0.0.1 that speak the subset of each provider's API we use.

Each server counts the requests it gets by kind (create, poll, download, cancel) and
plays a script: HTTP errors to answer before a create or a poll succeeds (with
Retry-After), how many polls a task stays queued and running, a task that never
finishes, or a content-policy refusal. The finished video is a real MP4 off the render
profile, so the backend has to conform it.
"""

from __future__ import annotations

import base64
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from aiprod_assets.testing.local_server import LocalServer


@dataclass
class Script:
    create_faults: list[tuple[int, dict]] = field(default_factory=list)
    poll_faults: list[tuple[int, dict]] = field(default_factory=list)
    polls_before_done: int = 2
    never_finish: bool = False
    refuse: str | None = None
    download_faults: list[int] = field(default_factory=list)  # statuses answered to downloads first


class ProviderServer(LocalServer):
    """A provider's task API: subclasses answer ``route``; this keeps the counts and plays the script."""

    def __init__(self, video: bytes, script: Script | None = None):
        super().__init__()
        self.video, self.script = video, script or Script()
        self.calls: Counter = Counter()
        self.bodies: list[dict] = []
        self.polls: Counter = Counter()
        self.ids = itertools.count(1)

    def fault(self, kind: str) -> tuple[int, dict, dict] | None:
        """The next scripted HTTP error for a create or a poll, if any is left."""
        faults = self.script.create_faults if kind == "create" else self.script.poll_faults
        if faults:
            status, headers = faults.pop(0)
            return status, headers, {"error": {"code": status, "message": f"scripted {status}",
                                               "status": "RESOURCE_EXHAUSTED" if status == 429 else "INTERNAL"}}
        return None

    def phase(self, task_id: str) -> str:
        """queued, then running, then done (or refused), counting this poll."""
        self.polls[task_id] += 1
        n = self.polls[task_id]
        if self.script.never_finish or n <= self.script.polls_before_done:
            return "queued" if n == 1 else "running"
        return "refused" if self.script.refuse else "done"


class VeoServer(ProviderServer):
    """Vertex AI: predictLongRunning starts an operation, fetchPredictOperation polls it. The video comes
    inline, or at ``video_uri`` (gs:// or this server's /files/ when set to "http")."""

    video_uri: str | None = None

    def route(self, method, path, body):
        if path.startswith("/files/"):
            self.calls["download"] += 1
            return 200, {}, self.video
        if path.endswith(":predictLongRunning"):
            self.calls["create"] += 1
            self.bodies.append(body)
            if (fault := self.fault("create")) is not None:
                return fault
            model = re.search(r"models/([^/:]+):", path).group(1)
            return 200, {}, {"name": f"projects/demo/locations/us-central1/publishers/google/models/{model}"
                                     f"/operations/op-{next(self.ids)}"}
        if path.endswith(":fetchPredictOperation"):
            self.calls["poll"] += 1
            if (fault := self.fault("poll")) is not None:
                return fault
            name = body["operationName"]
            phase = self.phase(name)
            if phase in ("queued", "running"):
                return 200, {}, {"name": name, "done": False}
            if phase == "refused":
                return 200, {}, {"name": name, "done": True, "response": {
                    "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                    "raiMediaFilteredCount": 1, "raiMediaFilteredReasons": [self.script.refuse], "videos": []}}
            if self.video_uri is None:
                self.calls["download"] += 1
                video = {"bytesBase64Encoded": base64.b64encode(self.video).decode(), "mimeType": "video/mp4"}
            else:
                uri = f"{self.base_url}/files/{name.rsplit('/', 1)[-1]}.mp4" if self.video_uri == "http" else self.video_uri
                video = {"gcsUri": uri, "mimeType": "video/mp4"}
            return 200, {}, {"name": name, "done": True, "response": {
                "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                "videos": [video]}}
        return 404, {}, {"error": {"code": 404, "message": f"no route {method} {path}"}}


class RunwayServer(ProviderServer):
    """Runway: POST /v1/text_to_video, GET and DELETE /v1/tasks/{id}, output files."""

    def route(self, method, path, body):
        if method == "POST" and path == "/v1/text_to_video":
            self.calls["create"] += 1
            self.bodies.append(body)
            if (fault := self.fault("create")) is not None:
                return fault
            return 200, {}, {"id": f"task-{next(self.ids)}"}
        if (match := re.fullmatch(r"/v1/tasks/([\w-]+)", path)) and method == "GET":
            self.calls["poll"] += 1
            if (fault := self.fault("poll")) is not None:
                return fault
            task_id = match.group(1)
            task = {"id": task_id, "createdAt": "2026-11-26T10:00:00Z"}
            phase = self.phase(task_id)
            if phase in ("queued", "running"):
                status = "PENDING" if phase == "queued" else "RUNNING"
                return 200, {}, {**task, "status": status, "estimatedCost": {"credits": 25}}
            if phase == "refused":
                return 200, {}, {**task, "status": "FAILED", "failure": self.script.refuse,
                                 "failureCode": "SAFETY.INPUT.TEXT", "cost": {"credits": 0}}
            return 200, {}, {**task, "status": "SUCCEEDED", "cost": {"credits": 25},
                             "output": [f"{self.base_url}/files/{task_id}.mp4"]}
        if (match := re.fullmatch(r"/v1/tasks/([\w-]+)", path)) and method == "DELETE":
            self.calls["cancel"] += 1
            return 204, {}, b""
        if path.startswith("/files/"):
            self.calls["download"] += 1
            if self.script.download_faults:
                return self.script.download_faults.pop(0), {}, b"AccessDenied: Request has expired"
            return 200, {}, self.video
        return 404, {}, {"error": f"no route {method} {path}"}


class ReplicateServer(ProviderServer):
    """Replicate: POST /v1/models/{owner}/{name}/predictions, GET /v1/predictions/{id}, cancel, output files."""

    def prediction(self, prediction_id: str, status: str, **extra) -> dict:
        return {"id": prediction_id, "model": "minimax/video-01", "version": "v1", "status": status,
                "input": {}, "output": None, "logs": "", "error": None, "metrics": {},
                "created_at": "2026-11-26T10:00:00Z", "started_at": None, "completed_at": None,
                "urls": {"get": f"{self.base_url}/v1/predictions/{prediction_id}",
                         "cancel": f"{self.base_url}/v1/predictions/{prediction_id}/cancel"}, **extra}

    def route(self, method, path, body):
        if method == "POST" and re.fullmatch(r"/v1/models/[\w.-]+/[\w.-]+/predictions", path):
            self.calls["create"] += 1
            self.bodies.append(body)
            if (fault := self.fault("create")) is not None:
                status, headers, _ = fault
                return status, headers, {"title": "scripted", "detail": f"scripted {status}", "status": status}
            return 201, {}, self.prediction(f"pred{next(self.ids)}", "starting")
        if (match := re.fullmatch(r"/v1/predictions/(\w+)/cancel", path)) and method == "POST":
            self.calls["cancel"] += 1
            return 200, {}, self.prediction(match.group(1), "canceled")
        if (match := re.fullmatch(r"/v1/predictions/(\w+)", path)) and method == "GET":
            self.calls["poll"] += 1
            if (fault := self.fault("poll")) is not None:
                status, headers, _ = fault
                return status, headers, {"title": "scripted", "detail": f"scripted {status}", "status": status}
            prediction_id = match.group(1)
            phase = self.phase(prediction_id)
            if phase in ("queued", "running"):
                return 200, {}, self.prediction(prediction_id, "starting" if phase == "queued" else "processing")
            if phase == "refused":
                return 200, {}, self.prediction(prediction_id, "failed", error=self.script.refuse)
            return 200, {}, self.prediction(prediction_id, "succeeded",
                                            output=f"{self.base_url}/files/{prediction_id}.mp4")
        if path.startswith("/files/"):
            self.calls["download"] += 1
            return 200, {}, self.video
        return 404, {}, {"detail": f"no route {method} {path}", "status": 404}


SERVERS = {"veo": VeoServer, "runway": RunwayServer, "replicate": ReplicateServer}


class GeminiServer(LocalServer):
    """The Gemini API's generateContent: answers in order (the last one repeats), with token counts;
    an answer given as (status, headers) is that HTTP error instead."""

    def __init__(self, answers: list, safety_ratings: list[dict] | None = None):
        super().__init__()
        self.answers = list(answers)
        self.safety_ratings = safety_ratings
        self.requests: list[dict] = []
        self.keys: list[str] = []

    def route(self, method, path, body):
        if not path.endswith(":generateContent"):
            return 404, {}, {"error": {"code": 404, "message": f"no route {method} {path}"}}
        self.requests.append(body)
        self.keys.append(self.headers_seen[-1].get("x-goog-api-key", ""))
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, tuple):  # (status, headers): an HTTP error instead of an answer
            status, headers = answer
            return status, headers, {"error": {"code": status, "message": f"scripted {status}",
                                               "status": "UNAVAILABLE"}}
        candidate = {"content": {"role": "model", "parts": [{"text": answer}]}, "finishReason": "STOP"}
        if self.safety_ratings is not None:
            candidate["safetyRatings"] = self.safety_ratings
        return 200, {}, {"candidates": [candidate],
                         "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 400,
                                           "totalTokenCount": 1600}}
