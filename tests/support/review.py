"""The review app's test harness: a two-scene brief, a local environment, and the app on a real server."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from aiprod_assets.testing.local_server import free_port

REVIEW_BRIEF = {
    "title": "The Lighthouse Keeper",
    "prompt": "An old lighthouse keeper climbs the spiral stairs at dusk. He lights the lamp as a storm rolls in.",
    "duration_sec": 4, "budget_usd": 1.0, "resolution": "360p", "fps": 24,
    "style": {"look": "cinematic", "mood": "melancholic", "lighting": "low-key"},
    "characters": [{"name": "Keeper", "appearance": "grey beard, yellow raincoat"}],
}


def write_brief(folder: Path, job_id: str, **changes) -> Path:
    path = folder / f"{job_id}.json"
    path.write_text(json.dumps({"job_id": job_id, **REVIEW_BRIEF, **changes}))
    return path


def local_environment(tmp_path: Path, monkeypatch, approval: str = "required"):
    """The CLI's own environment (store and Dagster home) in a temporary folder."""
    from aiprod_assets.cli.local_env import LocalEnvironment

    monkeypatch.setenv("AIPROD_HOME", str(tmp_path / ".aiprod"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("AIPROD_STORE", raising=False)
    monkeypatch.setenv("AIPROD_APPROVAL", approval)
    return LocalEnvironment.from_env()


def submit(env, brief_path: Path) -> str:
    from aiprod_assets.deployment_settings import DEFAULT_BUDGET_CAP_USD
    from aiprod_assets.intake.submission import accept

    job_id = accept(env.store, brief_path.name, brief_path.read_bytes(), DEFAULT_BUDGET_CAP_USD)
    env.ensure_partition(job_id)
    return job_id


@contextmanager
def serving(app):
    """The app on uvicorn on 127.0.0.1, in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the review app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


REVIEW_JOB = "review-unit"
REVIEW_CUT = "c0" * 32


def planned_shots(job_id: str = REVIEW_JOB):
    """The local planner's shots for the review brief: pure functions, no run."""
    from aiprod_assets.intake.sanitize import sanitize
    from aiprod_assets.intake.submission import brief_record
    from aiprod_assets.planning.local_planner import plan_production
    from aiprod_assets.planning.profiles import render_profile
    from aiprod_assets.planning.shots import build_shot_list

    sanitized = sanitize(brief_record(job_id, "test", json.dumps({"job_id": job_id, **REVIEW_BRIEF}).encode()), 500)
    return sanitized, build_shot_list(plan_production(sanitized), render_profile("360p", "16:9", 24), "previz", "v")


def store_review_job(store, job_id: str = REVIEW_JOB):
    """A job as far as its cut, written as the assets would (the cut's bytes are not a video)."""
    from aiprod_assets.canonical import pretty_json
    from aiprod_assets.contracts import FinalCut, RenderedClips
    from aiprod_assets.layout import artefact_key

    sanitized, shots = planned_shots(job_id)
    for name, value in (("sanitized_input", sanitized), ("shot_list", shots),
                        ("rendered_clips", RenderedClips(job_id=job_id, device="cpu", clips=[], total_cost_usd=0)),
                        ("final_cut", FinalCut(job_id=job_id, uri="file:///cut.mp4", sha256=REVIEW_CUT,
                                               duration_sec=4, shot_ids=[s.shot_id for s in shots.shots]))):
        store.put_bytes(artefact_key(name, job_id), pretty_json(value).encode())
    return shots
