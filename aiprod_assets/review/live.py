"""Live events of a job in flight (shot started, finished, failed; preview frames; cut, gate, delivery),
written to the store one object each, where every review app watching the job picks them up."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from aiprod_assets.layout import Store, live_event_key, live_events_prefix
from aiprod_assets.review.records import new_event_id, now_iso

# A preview every this many frames of a shot in flight: about one a second at 24-30 fps.
PREVIEW_EVERY_FRAMES = 24


class LiveFeed:
    def __init__(self, store: Store, job_id: str):
        self.store, self.job_id = store, job_id

    def publish(self, kind: str, **payload) -> None:
        event_id = new_event_id()
        body = {"id": event_id, "kind": kind, "job_id": self.job_id, "at": now_iso(), **payload}
        self.store.put_bytes(live_event_key(self.job_id, event_id), json.dumps(body).encode("utf-8"))

    def frame_hook(self, shot_id: str, attempt: int, every: int = PREVIEW_EVERY_FRAMES,
                   on_first: Callable[[], None] | None = None) -> Callable:
        """A render's per-frame callback that publishes a preview every ``every`` frames; ``on_first`` is
        called once, as the first frame arrives."""
        from aiprod_assets.media.preview import preview_jpeg

        def on_frame(index: int, yuv420p) -> None:
            nonlocal on_first
            if on_first is not None:
                announce, on_first = on_first, None
                announce()
            if index % every == 0:
                jpeg = base64.b64encode(preview_jpeg(yuv420p)).decode("ascii")
                self.publish("preview", shot_id=shot_id, attempt=attempt, frame=index,
                             image=f"data:image/jpeg;base64,{jpeg}")
        # A render in another process (the device worker) sends back only the frames this asks for.
        on_frame.every = every
        return on_frame


def read_live(store: Store, job_id: str, after: str = "") -> list[dict]:
    """Live events after store key ``after``, oldest first, each with its key."""
    found = []
    for key in store.list_keys(live_events_prefix(job_id)):
        if key <= after:
            continue
        try:
            found.append({**json.loads(store.get_bytes(key)), "key": key})
        except (ValueError, FileNotFoundError):
            continue
    return found
