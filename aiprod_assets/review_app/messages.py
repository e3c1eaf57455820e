"""What a reviewer may send over the job websocket: the same actions as the HTTP API, each checked again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiprod_assets.layout import Store
from aiprod_assets.review import actions
from aiprod_assets.review.records import ReviewEvent


async def handle_message(store: Store, job_id: str, message: dict, who: Callable,
                         acted: Callable[[ReviewEvent], None]) -> dict | None:
    kind = message.get("type") if isinstance(message, dict) else None
    if kind == "ping":
        return {"channel": "reply", "kind": "pong", "sent": message.get("sent")}
    # Looked up afresh: a token revoked while the socket is open stops working at once.
    reviewer = await asyncio.to_thread(who)
    if reviewer is None:
        return {"channel": "reply", "kind": "error", "status": 401, "message": "token no longer valid"}
    try:
        if kind == "comment":
            await asyncio.to_thread(actions.comment, store, reviewer, job_id, str(message.get("shot_id", "")),
                                    float(message.get("timecode_sec", 0)), str(message.get("text", "")))
        elif kind == "approve":
            event = await asyncio.to_thread(actions.approve, store, reviewer, job_id,
                                            str(message.get("cut_sha256", "")), str(message.get("comment", "")))
            acted(event)
        elif kind == "reject":
            await asyncio.to_thread(actions.reject, store, reviewer, job_id, str(message.get("cut_sha256", "")),
                                    [str(r) for r in message.get("reasons", [])],
                                    [str(s) for s in message.get("shots", [])])
        else:
            return {"channel": "reply", "kind": "error", "status": 400, "message": f"unknown message type {kind!r}"}
    except actions.ReviewError as err:
        return {"channel": "reply", "kind": "error", "status": err.status, "message": str(err)}
    except (TypeError, ValueError) as err:
        return {"channel": "reply", "kind": "error", "status": 422, "message": str(err)}
    return {"channel": "reply", "kind": "ok", "type": kind}
