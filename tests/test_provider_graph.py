"""Remote providers inside the asset graph: rendered_clips through each SDK on a local server,
the key from the environment, and a run killed while polling that resumes without a second create."""

import json
import os
import signal
import subprocess
import sys
import time

import dagster as dg
import pytest

from aiprod_assets.backends import requested_seconds
from aiprod_assets.contracts import ProviderTasks, RenderedClips, TechnicalQAReport
from aiprod_assets.costing.pricing import load_pricing
from aiprod_assets.intake.submission import accept
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy
from resources.render_backends import ProviderSettings, RenderBackends, VeoSettings
from tests.support.jobs import PLANNING_ASSETS, REPO, brief_bytes, run_production
from tests.support.provider_fixtures import provider_video
from tests.support.provider_servers import SERVERS, RunwayServer, Script

KEY = "rw-secret-key-0123456789"
BRIEF = dict(resolution="360p", duration_sec=5, characters=[], backends=["runway", "previz"], budget_usd=3.0,
             prompt="A lighthouse at dusk. Then a storm rolls in over the sea.")


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> bytes:
    return provider_video(tmp_path_factory.mktemp("provider"), seconds=4.0)


PRICE_PER_SECOND = {name: load_pricing().backends[name].usd_per_second["default"]  # the bundled table, 360p
                    for name in ("veo", "runway", "replicate")}
KEY_VARIABLE = {"veo": "GOOGLE_API_KEY", "runway": "RUNWAYML_API_SECRET", "replicate": "REPLICATE_API_TOKEN"}


@pytest.mark.parametrize("provider", sorted(SERVERS))
def test_rendered_clips_through_each_provider_are_conformed_priced_and_pass_technical_qa(
        provider, store, instance, video, monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE[provider], KEY)
    job_id = accept(store, f"{provider}-graph.json",
                    brief_bytes(job_id=f"{provider}-graph", **{**BRIEF, "backends": [provider, "previz"],
                                                               "budget_usd": 20.0}), 500)
    gpu = TorchDevice(device="cpu")
    with SERVERS[provider](video, Script(polls_before_done=1)) as server:
        settings = (VeoSettings if provider == "veo" else ProviderSettings)(
            api_key=dg.EnvVar(KEY_VARIABLE[provider]), base_url=server.base_url, poll_interval_sec=0.02)
        result = run_production(
            store, instance, job_id, selection=[*PLANNING_ASSETS, "rendered_clips", "technical_qa_report"],
            gpu=gpu, render_backends=RenderBackends(gpu=gpu, **{provider: settings}),
            policy=ProductionPolicy(enabled_backends=["previz", provider], remediation_attempts=1))
    assert result.success
    clips = RenderedClips.model_validate_json(store.get_bytes(f"jobs/{job_id}/rendered_clips.json")).clips
    assert server.calls["create"] == len(clips) == server.calls["download"]
    for clip in clips:
        assert clip.backend == provider and clip.provider_task_id
        assert clip.source_uri and store.get_bytes(clip.source_uri.split("store/", 1)[-1]) == video
        # Billed for the clip length asked of the provider, at its list price.
        assert clip.actual_cost_usd == pytest.approx(
            requested_seconds(provider, clip.duration_sec) * PRICE_PER_SECOND[provider])
        tasks = ProviderTasks.model_validate_json(store.get_bytes(f"providers/{job_id}/{clip.shot_id}.json"))
        assert [t.status for t in tasks.tasks] == ["succeeded"]
    report = TechnicalQAReport.model_validate_json(store.get_bytes(f"jobs/{job_id}/technical_qa_report.json"))
    assert all(check.passed for clip in report.clips for check in clip.checks)
    for key in store.list_keys(""):
        assert KEY.encode() not in store.get_bytes(key), key  # the secret is never stored


def _start(home, store_root, job_id, url, parent=None):
    env = {**os.environ, "DAGSTER_HOME": str(home), "AIPROD_TEST_STORE": str(store_root),
           "AIPROD_TEST_COUNTER": str(home / "unused.txt"), "AIPROD_TEST_RUNWAY_URL": url,
           "RUNWAYML_API_SECRET": KEY}
    args = [sys.executable, "-m", "tests.support.resume_job", job_id] + ([parent] if parent else [])
    return subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_run_killed_while_polling_resumes_the_task_and_never_creates_twice(tmp_path, store, video):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    job_id = accept(store, "runway-kill.json", brief_bytes(job_id="runway-kill", **BRIEF), 500)
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        instance.add_dynamic_partitions("jobs", [job_id])
    with RunwayServer(video, Script(never_finish=True)) as server:
        first = _start(home, store.root, job_id, server.base_url)
        deadline = time.monotonic() + 240
        while server.calls["poll"] < 3 and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.calls["poll"] >= 3, first.communicate()[1][-3000:]
        first.send_signal(signal.SIGKILL)
        first.wait()
        # Shots go to the provider at once (up to its concurrency): each in flight was created once.
        in_flight = server.calls["create"]
        assert in_flight >= 1
        with dg.instance_for_test(temp_dir=str(home)) as instance:
            killed = instance.get_runs(limit=1)[0]
            instance.report_run_failed(killed)  # what run monitoring does for a run whose process died
        server.script.never_finish = False
        resumed = _start(home, store.root, job_id, server.base_url, parent=killed.run_id)
        _, stderr = resumed.communicate(timeout=300)
    assert store.exists(f"jobs/{job_id}/rendered_clips.json"), stderr[-3000:]
    clips = json.loads(store.get_bytes(f"jobs/{job_id}/rendered_clips.json"))["clips"]
    assert server.calls["create"] == len(clips)  # the tasks in flight were resumed, not submitted again
    resumed_ids = {f"task-{n}" for n in range(1, in_flight + 1)}
    first_shot = ProviderTasks.model_validate_json(store.get_bytes(f"providers/{job_id}/{clips[0]['shot_id']}.json"))
    assert len(first_shot.tasks) == 1 and first_shot.tasks[0].status == "succeeded"
    assert first_shot.tasks[0].task_id in resumed_ids and clips[0]["provider_task_id"] == first_shot.tasks[0].task_id
