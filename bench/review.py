"""Live updates to many reviewers: 50 websocket clients on one job of a running `aiprod review`.

    python -m bench.review [--clients 50] [--events 40]

A renderer's process writes live events to the store (as a render does); the app, in its own process,
pushes each to every client. Prints the time from an event's write to its arrival at each client:
p50, p95 and the worst. Target: p95 under 250 ms on this machine.
"""

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websockets

from aiprod_assets.review.live import LiveFeed
from aiprod_assets.review.reviewers import add_reviewer
from aiprod_assets.testing.local_server import free_port
from bench.timing import bench_arguments
from resources.artifact_store import LocalArtifactStore

TARGET_P95_MS = 250.0
JOB = "bench-review"


def _start_app(home: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "AIPROD_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    process = subprocess.Popen([sys.executable, "-m", "aiprod_assets.cli.main", "review", "--port", str(port),
                                "--no-local-runs"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the review app did not start")


async def _client(url: str, token: str, expected: int, latencies: list[float], ready: asyncio.Event,
                  connected: list[int], total: int) -> None:
    async with websockets.connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                                  max_size=None) as ws:
        await ws.recv()  # hello
        connected.append(1)
        if len(connected) == total:
            ready.set()
        seen = 0
        while seen < expected:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=30))
            if message.get("kind") == "bench":
                latencies.append(time.time() - message["sent"])
                seen += 1


async def _run(url: str, token: str, store, clients: int, events: int) -> list[float]:
    latencies: list[float] = []
    ready, connected = asyncio.Event(), []
    tasks = [asyncio.create_task(_client(url, token, events, latencies, ready, connected, clients))
             for _ in range(clients)]
    await asyncio.wait_for(ready.wait(), timeout=60)
    feed = LiveFeed(store, JOB)
    for n in range(events):
        await asyncio.to_thread(feed.publish, "bench", n=n, sent=time.time())
        await asyncio.sleep(0.05)
    await asyncio.gather(*tasks)
    return latencies


def main() -> None:
    args = bench_arguments(__doc__, clients=50, events=40)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / ".aiprod"
        store = LocalArtifactStore(root=str(home / "store"))
        token = add_reviewer(store, "bench", "viewer")
        port = free_port()
        app = _start_app(home, port)
        try:
            latencies = asyncio.run(_run(f"ws://127.0.0.1:{port}/ws/jobs/{JOB}", token, store,
                                         args.clients, args.events))
        finally:
            app.terminate()
            app.wait(timeout=10)
    ms = sorted(1000 * x for x in latencies)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(f"{args.clients} clients x {args.events} events = {len(ms)} deliveries")
    print(f"event to delivery: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, worst {ms[-1]:.1f} ms "
          f"(target p95 < {TARGET_P95_MS:.0f} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'})")


if __name__ == "__main__":
    main()
