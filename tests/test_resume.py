"""Crash and resume on a real Dagster instance: a run SIGKILLed mid-render, re-executed from failure,
renders only the shots it had not finished; editing one shot re-renders that shot alone."""

import json
import os
import subprocess
import sys

import dagster as dg

from aiprod_assets.canonical import compute_spec_hash, pretty_json
from aiprod_assets.contracts import ShotList
from aiprod_assets.intake.submission import accept
from resources.gpu import TorchDevice
from tests.support.fault_backends import FaultyBackends, render_calls
from tests.support.jobs import REPO, brief_bytes, run_production

SHORT_BRIEF = dict(job_id="resume-job", resolution="360p", duration_sec=7, characters=[],
                   prompt="A lighthouse at dusk. Then the lamp is lit. Later a storm rolls in.")


def _run_in_subprocess(home, store_root, counter, job_id, crash_after=0, parent=None):
    env = {**os.environ, "DAGSTER_HOME": str(home), "AIPROD_TEST_STORE": str(store_root),
           "AIPROD_TEST_COUNTER": str(counter), "AIPROD_TEST_CRASH_AFTER": str(crash_after)}
    args = [sys.executable, "-m", "tests.support.resume_job", job_id] + ([parent] if parent else [])
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_killed_run_resumes_from_failure_rendering_only_missing_shots(tmp_path, store):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    counter = tmp_path / "render_calls.txt"
    job_id = accept(store, "resume-job.json", brief_bytes(**SHORT_BRIEF), 500)
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        instance.add_dynamic_partitions("jobs", [job_id])
    shots = None

    crashed = _run_in_subprocess(home, store.root, counter, job_id, crash_after=2)
    assert crashed.returncode == -9, crashed.stderr[-2000:]  # SIGKILL, mid-render
    shots = ShotList.model_validate_json(store.get_bytes(f"jobs/{job_id}/shot_list.json")).shots
    n, k = len(shots), 2
    assert n >= 3 and render_calls(counter) == [s.shot_id for s in shots[:k]]

    with dg.instance_for_test(temp_dir=str(home)) as instance:
        killed = instance.get_runs(limit=1)[0]
        assert killed.status == dg.DagsterRunStatus.STARTED
        # What run monitoring does for a run whose process died.
        instance.report_run_failed(killed)
    resumed = _run_in_subprocess(home, store.root, counter, job_id, parent=killed.run_id)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    calls = render_calls(counter)
    assert len(calls) - k == n - k and calls[k:] == [s.shot_id for s in shots[k:]]
    clips = json.loads(store.get_bytes(f"jobs/{job_id}/rendered_clips.json"))["clips"]
    assert [c["reused"] for c in clips] == [True] * k + [False] * (n - k)
    assert store.exists(f"jobs/{job_id}/final_cut.mp4")


def test_editing_one_shot_re_renders_that_shot_alone(tmp_path, store, instance):
    counter = tmp_path / "calls.txt"
    gpu = TorchDevice(device="cpu")
    backends = FaultyBackends(gpu=gpu, counter_file=str(counter))
    job_id = accept(store, "edit-job.json", brief_bytes(**{**SHORT_BRIEF, "job_id": "edit-job"}), 500)
    first = run_production(store, instance, job_id, gpu=gpu, render_backends=backends)
    assert first.success
    shot_list = ShotList.model_validate_json(store.get_bytes(f"jobs/{job_id}/shot_list.json"))
    assert len(render_calls(counter)) == len(shot_list.shots)

    edited = shot_list.model_copy(deep=True)
    target = edited.shots[1]
    target.spec.camera_move = "orbit" if target.spec.camera_move != "orbit" else "pan"
    target.spec_hash = compute_spec_hash(target.spec, target.seed, target.backend, target.backend_version,
                                         edited.profile)
    store.put_bytes(f"jobs/{job_id}/shot_list.json", pretty_json(edited).encode())
    again = run_production(store, instance, job_id, selection=["rendered_clips"], gpu=gpu,
                           render_backends=backends)
    assert again.success
    assert render_calls(counter)[len(shot_list.shots):] == [target.shot_id]
    clips = json.loads(store.get_bytes(f"jobs/{job_id}/rendered_clips.json"))["clips"]
    assert [c["reused"] for c in clips] == [s.shot_id != target.shot_id for s in edited.shots]


def test_a_tampered_clip_is_not_reused(tmp_path, store, instance):
    counter = tmp_path / "calls.txt"
    gpu = TorchDevice(device="cpu")
    backends = FaultyBackends(gpu=gpu, counter_file=str(counter))
    brief = {**SHORT_BRIEF, "job_id": "tamper-job", "duration_sec": 3, "prompt": "A red apple on a white plate."}
    job_id = accept(store, "tamper-job.json", brief_bytes(**brief), 500)
    assert run_production(store, instance, job_id, selection=None, gpu=gpu, render_backends=backends).success
    clip = next(k for k in store.list_keys(f"jobs/{job_id}/clips") if k.endswith(".mp4"))
    store.put_bytes(clip, store.get_bytes(clip)[:-100])  # truncated behind our back
    assert run_production(store, instance, job_id, selection=["rendered_clips"], gpu=gpu,
                          render_backends=backends).success
    assert len(render_calls(counter)) == 2
