"""The shots a job's first run will plan, foreseen by the CLI before Dagster loads (cli/shot_ahead.py) so its
first shot renders while the command loads: the plan the run's own assets then make, under the deployment
they run under, and no guess where a model plans or the deployment is one the run refuses."""

import subprocess
import sys
import textwrap

import pytest

from aiprod_assets.cli.shot_ahead import first_run_shots
from aiprod_assets.contracts import ShotList
from aiprod_assets.intake.submission import accept
from aiprod_assets.layout import artefact_key
from tests.support.cli import aiprod_env
from tests.support.jobs import brief_bytes, run_production
from tests.support.review import write_brief

PLANNED = ["brief", "sanitized_input", "production_manifest", "shot_list"]


@pytest.mark.parametrize("deployment, backend", [
    ({}, "previz"),
    ({"AIPROD_BACKENDS": "runway,previz", "RUNWAYML_API_SECRET": "not-a-key"}, "runway"),
])
def test_the_shots_foreseen_are_those_the_runs_shot_list_asset_plans(store, instance, monkeypatch, deployment,
                                                                       backend):
    for name, value in deployment.items():
        monkeypatch.setenv(name, value)
    raw = brief_bytes(job_id="foreseen", resolution="360p", duration_sec=7, backends=["runway", "previz"])
    job_id = accept(store, "foreseen.json", raw, 500)
    foreseen = first_run_shots(store, job_id)
    assert run_production(store, instance, job_id, selection=PLANNED).success
    planned = ShotList.model_validate_json(store.get_bytes(artefact_key("shot_list", job_id)))
    assert foreseen is not None and foreseen.profile == planned.profile
    assert foreseen.shots == planned.shots and len(planned.shots) > 1
    assert {shot.backend for shot in foreseen.shots} == {backend}


@pytest.mark.parametrize("deployment", [
    {"AIPROD_PLANNER": "gemini", "GEMINI_API_KEY": "not-a-key"},  # a model's plan cannot be foreseen
    {"AIPROD_BACKENDS": "previz,nonsense"},  # the run refuses this deployment, naming the setting
])
def test_nothing_is_foreseen_where_a_model_plans_or_the_run_will_refuse(store, monkeypatch, deployment):
    for name, value in deployment.items():
        monkeypatch.setenv(name, value)
    job_id = accept(store, "foreseen.json", brief_bytes(job_id="foreseen", resolution="360p"), 500)
    assert first_run_shots(store, job_id) is None


ASK_WATCHED = textwrap.dedent("""
    import atexit, sys
    from aiprod_assets.rendering.previz import device_worker
    ask = device_worker.DeviceWorker.render_ahead
    def watched(self, job_id, shot, *args, **kwargs):
        print("asked for", shot.shot_id, "; dagster imported:", "dagster" in sys.modules, file=sys.stderr, flush=True)
        return ask(self, job_id, shot, *args, **kwargs)
    device_worker.DeviceWorker.render_ahead = watched
    atexit.register(lambda: print("dagster imported at exit:", "dagster" in sys.modules, file=sys.stderr))
    from aiprod_assets.cli.entry import main
    sys.argv = ["aiprod", *sys.argv[1:]]
    main()
""")


def test_a_first_run_asks_for_its_first_shot_before_dagster_loads_and_a_rerun_with_nothing_to_make_never_loads_it(
        tmp_path):
    """`aiprod run` files the brief, answers a re-run with nothing to make and foresees a new job's first shot
    on a folder store in plain Python: the shot renders while Dagster loads, and a no-op re-run never loads
    Dagster at all."""
    brief = write_brief(tmp_path, "ask-early", duration_sec=2)

    def run() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-c", ASK_WATCHED, "run", str(brief)], cwd=tmp_path,
                              env=aiprod_env(tmp_path), capture_output=True, text=True, timeout=300)

    first = run()
    assert first.returncode == 0 and "delivered (run" in first.stdout, first.stderr[-2000:]
    assert "asked for s01-01 ; dagster imported: False" in first.stderr
    assert "shot s01-01: rendered ahead" in first.stderr  # the run took the render it asked for
    assert "dagster imported at exit: True" in first.stderr
    again = run()
    assert again.returncode == 0 and "nothing to make" in again.stdout, again.stderr[-2000:]
    assert "file(s); cost $" in again.stdout  # the job's summary, read from the store
    assert "asked for" not in again.stderr and "dagster imported at exit: False" in again.stderr
