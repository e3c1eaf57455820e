"""The shots a job's first run will plan, foreseen by the CLI before Dagster loads (cli/shot_ahead.py) so its
first shot renders while the command loads: the plan the run's own assets then make, under the deployment
they run under, and no guess where a model plans or the deployment is one the run refuses."""

import pytest

from aiprod_assets.cli.shot_ahead import first_run_shots
from aiprod_assets.contracts import ShotList
from aiprod_assets.intake.submission import accept
from aiprod_assets.layout import artefact_key
from tests.support.jobs import brief_bytes, run_production

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
