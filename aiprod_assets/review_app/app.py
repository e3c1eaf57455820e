"""The review app's routes: pages, the JSON API, media with range requests, and the job websocket."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import (
    Body,
    FastAPI,
    HTTPException,
    Request,
    WebSocket,
    WebSocketDisconnect,
)
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles

from aiprod_assets.job_ids import InvalidJobId, check_job_id
from aiprod_assets.layout import Store, clip_key, final_cut_key, keyframe_key
from aiprod_assets.rendering.keyframe import keyframe_jpeg
from aiprod_assets.review import actions
from aiprod_assets.review.records import Reviewer, ReviewEvent
from aiprod_assets.review_app.auth import (
    SESSION_COOKIE,
    bearer,
    reviewer_for,
    same_origin,
    websocket_reviewer,
)
from aiprod_assets.review_app.feed import Hubs
from aiprod_assets.review_app.job_view import job_ids, job_summary, job_view
from aiprod_assets.review_app.messages import handle_message
from aiprod_assets.work_folders import WorkFolder

STATIC = Path(__file__).parent / "static"
MAX_BODY_BYTES = 64 * 1024  # also the largest websocket message (`aiprod review` sets uvicorn's ws_max_size)
# Scripts and styles from this app only, no inline script: user text that slipped through unescaped still
# could not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; media-src 'self'; script-src 'self'; "
                               "style-src 'self'; connect-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
}


def create_app(store: Store, on_action: Callable[[ReviewEvent], None] | None = None,
               poll_sec: float = 0.1) -> FastAPI:
    """The review app over ``store``; ``on_action`` is told of each decision, edit and restore as it is made."""
    # Media from a store elsewhere (GCS) is served from local copies, which go when the app stops.
    media_folder = WorkFolder("review-media")
    media_cache = media_folder.path

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        try:
            yield
        finally:
            media_folder.remove()

    app = FastAPI(title="AIPROD review", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.media_cache = media_cache
    hubs = Hubs(store, poll_sec)
    acted = on_action or (lambda event: None)

    @app.middleware("http")
    async def headers(request: Request, call_next):
        if request.method in ("POST", "PUT", "PATCH"):
            # Bodies are read whole, so their size is checked first (every write here is a few fields).
            size = request.headers.get("content-length")
            if size is None or not size.isdigit() or int(size) > MAX_BODY_BYTES:
                return JSONResponse({"detail": f"a request body is at most {MAX_BODY_BYTES} bytes, with its "
                                               "Content-Length"}, status_code=413 if size else 411,
                                    headers=SECURITY_HEADERS)
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def job(job_id: str) -> str:
        try:
            return check_job_id(job_id)
        except InvalidJobId as err:
            raise HTTPException(404, str(err)) from err

    def run(action, *args) -> Any:
        try:
            return action(*args)
        except actions.ReviewError as err:
            raise HTTPException(err.status, str(err)) from err

    def page(name: str) -> FileResponse:
        return FileResponse(STATIC / name, media_type="text/html")

    @app.get("/", include_in_schema=False)
    def index_page():
        return page("index.html")

    @app.get("/login", include_in_schema=False)
    def login_page():
        return page("login.html")

    @app.get("/jobs/{job_id}", include_in_schema=False)
    def job_page(job_id: str):
        job(job_id)
        return page("job.html")

    @app.post("/api/session")
    def session(request: Request):
        """Exchange a token (in the header) for the session cookie that media and the websocket use."""
        reviewer = reviewer_for(store, request, write=True)
        response = JSONResponse({"name": reviewer.name, "role": reviewer.role})
        response.set_cookie(SESSION_COOKIE, bearer(request.headers["authorization"]), httponly=True,
                            samesite="strict", path="/")
        return response

    @app.get("/api/me")
    def me(request: Request):
        reviewer = reviewer_for(store, request, write=False)
        return {"name": reviewer.name, "role": reviewer.role}

    @app.get("/api/jobs")
    def jobs(request: Request):
        reviewer_for(store, request, write=False)
        return [job_summary(store, job_id) for job_id in job_ids(store)]

    @app.get("/api/jobs/{job_id}")
    def one_job(job_id: str, request: Request):
        reviewer_for(store, request, write=False)
        return job_view(store, job(job_id))

    @app.get("/api/jobs/{job_id}/versions")
    def job_versions(job_id: str, request: Request):
        reviewer_for(store, request, write=False)
        return job_view(store, job(job_id))["versions"]

    def acting(request: Request, job_id: str) -> tuple[Reviewer, str]:
        return reviewer_for(store, request, write=True), job(job_id)

    @app.post("/api/jobs/{job_id}/comments", status_code=201)
    def post_comment(job_id: str, request: Request, body: dict = Body(...)):
        reviewer, job_id = acting(request, job_id)
        event = run(actions.comment, store, reviewer, job_id, str(body.get("shot_id", "")),
                    float(body.get("timecode_sec", 0)), str(body.get("text", "")))
        return event.model_dump(mode="json")

    @app.post("/api/jobs/{job_id}/approve", status_code=201)
    def post_approve(job_id: str, request: Request, body: dict = Body(...)):
        reviewer, job_id = acting(request, job_id)
        event = run(actions.approve, store, reviewer, job_id, str(body.get("cut_sha256", "")),
                    str(body.get("comment", "")))
        acted(event)
        return event.model_dump(mode="json")

    @app.post("/api/jobs/{job_id}/reject", status_code=201)
    def post_reject(job_id: str, request: Request, body: dict = Body(...)):
        reviewer, job_id = acting(request, job_id)
        event = run(actions.reject, store, reviewer, job_id, str(body.get("cut_sha256", "")),
                    [str(r) for r in body.get("reasons", [])], [str(s) for s in body.get("shots", [])])
        return event.model_dump(mode="json")

    @app.post("/api/jobs/{job_id}/shots/{shot_id}", status_code=201)
    def post_edit(job_id: str, shot_id: str, request: Request, body: dict = Body(...)):
        reviewer, job_id = acting(request, job_id)
        event = run(actions.edit_shot, store, reviewer, job_id, shot_id,
                    {k: v for k, v in body.items() if k != "shot_id"})
        acted(event)
        return event.model_dump(mode="json")

    @app.post("/api/jobs/{job_id}/versions/{event_id}/restore", status_code=201)
    def post_restore(job_id: str, event_id: str, request: Request):
        reviewer, job_id = acting(request, job_id)
        event = run(actions.restore, store, reviewer, job_id, event_id)
        acted(event)
        return event.model_dump(mode="json")

    def media(request: Request, key: str, media_type: str):
        reviewer_for(store, request, write=False)
        if not store.exists(key):
            raise HTTPException(404, "not made yet")
        # FileResponse answers Range requests (206), so players can seek in a clip.
        return FileResponse(store.local_copy(key, media_cache), media_type=media_type)

    @app.get("/media/{job_id}/clips/{shot_id}/{spec16}.mp4")
    def clip_media(job_id: str, shot_id: str, spec16: str, request: Request):
        return media(request, clip_key(job(job_id), shot_id, spec16), "video/mp4")

    @app.get("/media/{job_id}/final_cut/{sha16}.mp4")
    def cut_media(job_id: str, sha16: str, request: Request):
        return media(request, final_cut_key(job(job_id)), "video/mp4")

    @app.get("/media/{job_id}/keyframes/{shot_id}/{spec16}.jpg")
    def keyframe(job_id: str, shot_id: str, spec16: str, request: Request):
        reviewer_for(store, request, write=False)
        job_id = job(job_id)
        shots = run(actions.current_shots, store, job_id)
        shot = next((s for s in shots.shots if s.shot_id == shot_id), None)
        if shot is None:
            raise HTTPException(404, f"no shot {shot_id}")
        key = keyframe_key(job_id, shot.spec_hash)
        if not store.exists(key):
            store.put_bytes(key, keyframe_jpeg(shot, shots.profile))
        return Response(store.get_bytes(key), media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=3600"})

    @app.websocket("/ws/jobs/{job_id}")
    async def job_socket(websocket: WebSocket, job_id: str):
        reviewer = websocket_reviewer(store, websocket)
        if reviewer is None or not same_origin(websocket):
            await websocket.send_denial_response(Response(status_code=401 if reviewer is None else 403))
            return
        job_id = job(job_id)
        await websocket.accept()
        hub = hubs.join(job_id, websocket)
        await websocket.send_json({"channel": "hello", "kind": "hello", "name": reviewer.name, "role": reviewer.role})
        try:
            while True:
                message = await websocket.receive_json()
                # The role is checked on every message, as on every HTTP request.
                reply = await handle_message(store, job_id, message, lambda: websocket_reviewer(store, websocket),
                                             acted)
                if reply is not None:
                    await websocket.send_json(reply)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            hubs.leave(job_id, websocket)
            del hub

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
