"""Who is asking: a reviewer's token in the Authorization header, or in the session cookie for reads.

Writes take the header only, so a page elsewhere cannot make a reviewer's browser act (CSRF); the
cookie is HttpOnly and SameSite=Strict besides, and a websocket from another origin is refused."""

from __future__ import annotations

from fastapi import HTTPException, Request, WebSocket

from aiprod_assets.layout import Store
from aiprod_assets.review.records import Reviewer
from aiprod_assets.review.reviewers import authenticate

SESSION_COOKIE = "aiprod_session"


def bearer(header: str | None) -> str | None:
    if header and header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


def reviewer_for(store: Store, request: Request, write: bool) -> Reviewer:
    token = bearer(request.headers.get("authorization"))
    if token is None and not write:
        token = request.cookies.get(SESSION_COOKIE)
    reviewer = authenticate(store, token)
    if reviewer is None:
        raise HTTPException(401, "a reviewer's token is needed: Authorization: Bearer <token>"
                                 + ("" if write else " or the session cookie"),
                            headers={"WWW-Authenticate": "Bearer"})
    return reviewer


def same_origin(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:  # not a browser
        return True
    return origin.split("://", 1)[-1] == websocket.headers.get("host")


def websocket_reviewer(store: Store, websocket: WebSocket) -> Reviewer | None:
    token = bearer(websocket.headers.get("authorization")) or websocket.cookies.get(SESSION_COOKIE)
    return authenticate(store, token)
