"""The review app over HTTP and its websocket, on a real server: who may do what, CSRF, stale approvals,
escaping, range requests, and live pushes to every reviewer of a job."""

import json
from contextlib import ExitStack

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from aiprod_assets.layout import final_cut_key
from aiprod_assets.review.actions import comment
from aiprod_assets.review.live import LiveFeed
from aiprod_assets.review.reviewers import add_reviewer, authenticate
from aiprod_assets.review_app.app import create_app
from tests.support.review import REVIEW_CUT as CUT
from tests.support.review import REVIEW_JOB as JOB
from tests.support.review import planned_shots, serving, store_review_job


@pytest.fixture
def app_url(store):
    store_review_job(store)
    store.put_bytes(final_cut_key(JOB), bytes(range(256)) * 40)
    with serving(create_app(store, poll_sec=0.05)) as url:
        yield url


@pytest.fixture
def tokens(store):
    return {role: add_reviewer(store, f"{role}-1", role) for role in ("viewer", "commenter", "approver")}


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _ws(app_url, token=None, origin=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if origin:
        headers["Origin"] = origin
    return connect(app_url.replace("http", "ws") + f"/ws/jobs/{JOB}", additional_headers=headers, open_timeout=10)


def test_no_token_gives_401_on_http_and_on_the_websocket(app_url):
    for path in ("/api/jobs", f"/api/jobs/{JOB}", f"/api/jobs/{JOB}/versions", f"/media/{JOB}/final_cut/x.mp4"):
        assert httpx.get(app_url + path).status_code == 401, path
    assert httpx.post(f"{app_url}/api/jobs/{JOB}/comments", json={}).status_code == 401
    assert httpx.get(app_url + "/api/jobs", headers=_auth("wrong")).status_code == 401
    with pytest.raises(InvalidStatus) as refused:
        _ws(app_url)
    assert refused.value.response.status_code == 401


def test_roles_are_enforced_on_http_and_on_every_websocket_message(app_url, tokens):
    viewer = httpx.post(f"{app_url}/api/jobs/{JOB}/comments", headers=_auth(tokens["viewer"]),
                        json={"shot_id": "s01-01", "timecode_sec": 0.5, "text": "hello"})
    assert viewer.status_code == 403
    commenter = httpx.post(f"{app_url}/api/jobs/{JOB}/approve", headers=_auth(tokens["commenter"]),
                           json={"cut_sha256": CUT})
    assert commenter.status_code == 403
    with _ws(app_url, tokens["viewer"]) as socket:
        assert json.loads(socket.recv(timeout=5))["kind"] == "hello"
        socket.send(json.dumps({"type": "comment", "shot_id": "s01-01", "timecode_sec": 0, "text": "hi"}))
        assert _reply(socket)["status"] == 403
    with _ws(app_url, tokens["commenter"]) as socket:
        socket.recv(timeout=5)
        socket.send(json.dumps({"type": "approve", "cut_sha256": CUT}))
        assert _reply(socket)["status"] == 403
        socket.send(json.dumps({"type": "comment", "shot_id": "s01-01", "timecode_sec": 0, "text": "hi"}))
        assert _reply(socket)["kind"] == "ok"


def _reply(socket):
    while True:
        message = json.loads(socket.recv(timeout=5))
        if message["channel"] == "reply":
            return message


def test_a_stale_approval_is_refused(app_url, tokens):
    stale = httpx.post(f"{app_url}/api/jobs/{JOB}/approve", headers=_auth(tokens["approver"]),
                       json={"cut_sha256": "ee" * 32})
    assert stale.status_code == 409 and "stale" in stale.json()["detail"]
    fresh = httpx.post(f"{app_url}/api/jobs/{JOB}/approve", headers=_auth(tokens["approver"]),
                       json={"cut_sha256": CUT, "comment": "ok"})
    assert fresh.status_code == 201 and fresh.json()["cut_sha256"] == CUT


def test_writes_need_the_header_so_the_session_cookie_cannot_be_used_across_sites(app_url, tokens):
    session = httpx.post(f"{app_url}/api/session", headers=_auth(tokens["approver"]))
    cookie = session.cookies.get("aiprod_session")
    assert "samesite=strict" in session.headers["set-cookie"].lower() and "httponly" in session.headers["set-cookie"].lower()
    cookies = {"aiprod_session": cookie}
    assert httpx.get(f"{app_url}/api/jobs", cookies=cookies).status_code == 200, "reads may use the cookie"
    forged = httpx.post(f"{app_url}/api/jobs/{JOB}/approve", cookies=cookies, json={"cut_sha256": CUT})
    assert forged.status_code == 401, "a cross-site form can send the cookie but never the header"
    with pytest.raises(InvalidStatus) as cross_site:
        _ws(app_url, tokens["approver"], origin="http://evil.example")
    assert cross_site.value.response.status_code == 403


def test_pages_forbid_inline_script_and_user_text_is_returned_as_data(app_url, tokens, store):
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    comment(store, authenticate(store, tokens["commenter"]), JOB, "s01-01", 0.1, payload)
    page = httpx.get(f"{app_url}/jobs/{JOB}")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert payload not in page.text, "the page carries no job data; scripts fill it with textContent"
    view = httpx.get(f"{app_url}/api/jobs/{JOB}", headers=_auth(tokens["viewer"])).json()
    assert view["comments"][0]["text"] == payload and view["comments"][0]["author"] == "commenter-1"


def test_media_answers_range_requests(app_url, tokens):
    response = httpx.get(f"{app_url}/media/{JOB}/final_cut/x.mp4",
                         headers={**_auth(tokens["viewer"]), "Range": "bytes=100-199"})
    assert response.status_code == 206 and response.content == (bytes(range(256)) * 40)[100:200]


def test_a_live_event_and_a_comment_reach_every_connected_reviewer(app_url, tokens, store):
    with ExitStack() as stack:
        sockets = [stack.enter_context(_ws(app_url, tokens["viewer"])) for _ in range(3)]
        for socket in sockets:
            socket.recv(timeout=5)
        LiveFeed(store, JOB).publish("shot_finished", shot_id="s01-01", backend="previz")
        httpx.post(f"{app_url}/api/jobs/{JOB}/comments", headers=_auth(tokens["commenter"]),
                   json={"shot_id": "s02-01", "timecode_sec": 1.0, "text": "warmer light"}).raise_for_status()
        for socket in sockets:
            seen = set()
            while len(seen) < 2:
                message = json.loads(socket.recv(timeout=5))
                if message["kind"] in ("shot_finished", "comment"):
                    seen.add(message["kind"])


def test_versions_over_http_and_restore(app_url, tokens):
    headers = _auth(tokens["approver"])
    for edit in ({"lighting": "night"}, {"camera_move": "orbit"}, {"prompt": "The lamp blazes."}):
        assert httpx.post(f"{app_url}/api/jobs/{JOB}/shots/s02-01", headers=headers, json=edit).status_code == 201
    history = httpx.get(f"{app_url}/api/jobs/{JOB}/versions", headers=headers).json()
    assert [v["diff"][0]["field"] for v in history] == ["lighting", "camera_move", "prompt"]
    restored = httpx.post(f"{app_url}/api/jobs/{JOB}/versions/{history[0]['event_id']}/restore", headers=headers)
    assert restored.status_code == 201
    shot = httpx.get(f"{app_url}/api/jobs/{JOB}", headers=headers).json()["shots"][1]
    assert (shot["lighting"], shot["camera_move"]) == ("night", planned_shots()[1].shots[1].spec.camera_move)


def test_a_body_too_large_or_of_unknown_size_is_refused_before_it_is_read(app_url, tokens):
    headers = {**_auth(tokens["commenter"]), "Content-Type": "application/json"}
    huge = json.dumps({"shot_id": "s01-01", "timecode_sec": 0, "text": "x" * 100_000})
    assert httpx.post(f"{app_url}/api/jobs/{JOB}/comments", headers=headers, content=huge).status_code == 413
    chunked = httpx.post(f"{app_url}/api/jobs/{JOB}/comments", headers=headers,
                         content=iter([b'{"shot_id": "s01-01", ', b'"text": "hi"}']))
    assert chunked.status_code == 411
    small = {"shot_id": "s01-01", "timecode_sec": 0, "text": "fine"}
    assert httpx.post(f"{app_url}/api/jobs/{JOB}/comments", headers=_auth(tokens["commenter"]),
                      json=small).status_code == 201
