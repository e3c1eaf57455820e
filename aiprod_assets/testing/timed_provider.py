"""A Runway-compatible task API on 127.0.0.1 whose tasks take a fixed time, for benchmarks: it records
how many tasks ran at once. The video it returns is a real MP4 that the backend conforms."""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TimedRunwayServer:
    def __init__(self, video: bytes, task_seconds: float):
        self.video, self.task_seconds = video, task_seconds
        self.created: dict[str, float] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        self.peak_running = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                status, payload = server.route(self.command, self.path)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "video/mp4" if isinstance(payload, bytes) else "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def running(self, now: float) -> int:
        return sum(1 for start in self.created.values() if now - start < self.task_seconds)

    def route(self, method: str, path: str):
        now = time.monotonic()
        with self.lock:
            if method == "POST" and path == "/v1/text_to_video":
                task_id = f"task-{next(self.ids)}"
                self.created[task_id] = now
                self.peak_running = max(self.peak_running, self.running(now))
                return 200, {"id": task_id}
            if (match := re.fullmatch(r"/v1/tasks/([\w-]+)", path)) and method == "GET":
                task_id = match.group(1)
                task = {"id": task_id, "createdAt": "2026-12-01T00:00:00Z"}
                if now - self.created[task_id] < self.task_seconds:
                    return 200, {**task, "status": "RUNNING"}
                return 200, {**task, "status": "SUCCEEDED", "cost": {"credits": 25},
                             "output": [f"{self.base_url}/files/{task_id}.mp4"]}
            if path.startswith("/files/"):
                return 200, self.video
        return 404, {"error": f"no route {method} {path}"}

    def __enter__(self) -> "TimedRunwayServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
