"""A Runway-compatible task API on 127.0.0.1 whose tasks take a fixed time, for benchmarks: it records
how many tasks ran at once. The video it returns is a real MP4 that the backend conforms."""

from __future__ import annotations

import itertools
import re
import time

from aiprod_assets.testing.local_server import LocalServer


class TimedRunwayServer(LocalServer):
    def __init__(self, video: bytes, task_seconds: float):
        super().__init__()
        self.video, self.task_seconds = video, task_seconds
        self.created: dict[str, float] = {}
        self.ids = itertools.count(1)
        self.peak_running = 0

    def running(self, now: float) -> int:
        return sum(1 for start in self.created.values() if now - start < self.task_seconds)

    def route(self, method: str, path: str, body: dict):
        now = time.monotonic()
        if method == "POST" and path == "/v1/text_to_video":
            task_id = f"task-{next(self.ids)}"
            self.created[task_id] = now
            self.peak_running = max(self.peak_running, self.running(now))
            return 200, {}, {"id": task_id}
        if (match := re.fullmatch(r"/v1/tasks/([\w-]+)", path)) and method == "GET":
            task_id = match.group(1)
            task = {"id": task_id, "createdAt": "2026-12-01T00:00:00Z"}
            if now - self.created[task_id] < self.task_seconds:
                return 200, {}, {**task, "status": "RUNNING"}
            return 200, {}, {**task, "status": "SUCCEEDED", "cost": {"credits": 25},
                             "output": [f"{self.base_url}/files/{task_id}.mp4"]}
        if path.startswith("/files/"):
            return 200, {}, self.video
        return 404, {}, {"error": f"no route {method} {path}"}
