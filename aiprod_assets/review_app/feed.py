"""One hub per job: polls the store for new review and live events and pushes each to every reviewer
connected to that job. The store is the bus, so renders in other processes (and other machines on GCS)
reach every app watching."""

from __future__ import annotations

import asyncio
import json

from fastapi import WebSocket

from aiprod_assets.layout import Store, live_events_prefix, review_events_prefix
from aiprod_assets.review.events import read_events
from aiprod_assets.review.live import read_live
from aiprod_assets.review.status import review_status

STATUS_EVERY = 5


def _last(store: Store, prefix: str) -> str:
    keys = store.list_keys(prefix)
    return keys[-1] if keys else ""


class JobHub:
    def __init__(self, store: Store, job_id: str, poll_sec: float):
        self.store, self.job_id, self.poll_sec = store, job_id, poll_sec
        self.clients: set[WebSocket] = set()
        self.task: asyncio.Task | None = None

    async def broadcast(self, message: dict) -> None:
        text = json.dumps(message)
        clients = list(self.clients)
        results = await asyncio.gather(*(ws.send_text(text) for ws in clients), return_exceptions=True)
        for ws, result in zip(clients, results):
            if isinstance(result, Exception):
                self.clients.discard(ws)

    def _poll(self, live_after: str, events_after: str, state: tuple | None) -> tuple[list[dict], str, str, tuple | None]:
        messages = []
        live = read_live(self.store, self.job_id, live_after)
        messages += [{"channel": "live", **event} for event in live]
        events = read_events(self.store, self.job_id, events_after)
        messages += [{"channel": "review", "kind": e.kind, "event": e.model_dump(mode="json")} for e in events]
        if live:
            live_after = live[-1]["key"]
        if events:
            events_after = f"{review_events_prefix(self.job_id)}{events[-1].event_id}.json"
        if state is None:  # not due this time round
            return messages, live_after, events_after, None
        status = review_status(self.store, self.job_id, with_approvers=False)
        now = (status.state, status.cut_sha256)
        if now != state:
            messages.append({"channel": "status", "kind": "status", "state": status.state,
                             "cut_sha256": status.cut_sha256})
        return messages, live_after, events_after, now

    async def run(self) -> None:
        live_after, events_after = await asyncio.to_thread(
            lambda: (_last(self.store, live_events_prefix(self.job_id)),
                     _last(self.store, review_events_prefix(self.job_id))))
        status = await asyncio.to_thread(review_status, self.store, self.job_id, None, False)
        state = (status.state, status.cut_sha256)
        tick = 0
        while self.clients:
            # The gate's state is read less often than the events: it is a few records, not one listing.
            due = tick % STATUS_EVERY == 0
            messages, live_after, events_after, seen = await asyncio.to_thread(
                self._poll, live_after, events_after, state if due else None)
            state = seen if due else state
            tick += 1
            for message in messages:
                await self.broadcast(message)
            await asyncio.sleep(self.poll_sec)
        self.task = None


class Hubs:
    def __init__(self, store: Store, poll_sec: float):
        self.store, self.poll_sec = store, poll_sec
        self.hubs: dict[str, JobHub] = {}

    def join(self, job_id: str, websocket: WebSocket) -> JobHub:
        hub = self.hubs.setdefault(job_id, JobHub(self.store, job_id, self.poll_sec))
        hub.clients.add(websocket)
        if hub.task is None:
            hub.task = asyncio.create_task(hub.run())
        return hub

    def leave(self, job_id: str, websocket: WebSocket) -> None:
        hub = self.hubs.get(job_id)
        if hub is not None:
            hub.clients.discard(websocket)
