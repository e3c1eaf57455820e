"""A deployment switches providers, planner and judge on from its environment, keys by name only."""

import dagster as dg
import pytest

from aiprod_assets.definitions import build_definitions
from aiprod_assets.rendering.backend_chain import build_backend
from resources.creative_director import GeminiCreativeDirector, LocalCreativeDirector
from resources.deployment import DeploymentError, deployment_resources
from resources.gpu import TorchDevice
from resources.vision_judge import GeminiVisionJudge, NoVisionJudge


def test_the_embedded_defaults_need_no_key(store):
    resources = deployment_resources(TorchDevice(), env={})
    assert resources["policy"].enabled_backends == ["previz"]
    assert resources["render_backends"].available() == ["previz"]
    assert isinstance(resources["creative_director"], LocalCreativeDirector)
    assert isinstance(resources["vision_judge"], NoVisionJudge)


def test_providers_planner_and_judge_switch_on_with_keys_kept_as_variable_names(store):
    env = {"AIPROD_BACKENDS": "runway,previz,replicate,veo", "AIPROD_PLANNER": "gemini",
           "AIPROD_VISION_JUDGE": "gemini", "RUNWAYML_API_SECRET": "rw-secret", "REPLICATE_API_TOKEN": "r8-secret",
           "GOOGLE_API_KEY": "g-secret", "GEMINI_API_KEY": "gm-secret", "AIPROD_RUNWAY_BASE_URL": "http://127.0.0.1:9",
           "AIPROD_REPLICATE_MODEL": "kwaivgi/kling-v2.1"}
    resources = deployment_resources(TorchDevice(), env=env)
    backends = resources["render_backends"]
    assert resources["policy"].enabled_backends == ["runway", "previz", "replicate", "veo"]
    assert backends.available() == ["previz", "veo", "runway", "replicate"]
    assert backends.runway.base_url == "http://127.0.0.1:9" and backends.replicate.model == "kwaivgi/kling-v2.1"
    for secret_field in (backends.runway.api_key, backends.replicate.api_key, backends.veo.api_key):
        assert isinstance(secret_field, dg.EnvVar) and "secret" not in secret_field
    assert isinstance(resources["creative_director"], GeminiCreativeDirector)
    assert isinstance(resources["vision_judge"], GeminiVisionJudge)
    assert resources["creative_director"].api_key == dg.EnvVar("GEMINI_API_KEY")


@pytest.mark.parametrize("env, message", [
    ({"AIPROD_BACKENDS": "runway"}, "RUNWAYML_API_SECRET is not set"),
    ({"AIPROD_BACKENDS": "veo"}, "GOOGLE_API_KEY nor GOOGLE_CLOUD_PROJECT"),
    ({"AIPROD_BACKENDS": "previz,sora"}, "AIPROD_BACKENDS: sora not allowed"),
    ({"AIPROD_PLANNER": "gemini"}, "GEMINI_API_KEY is not set"),
    ({"AIPROD_VISION_JUDGE": "gpt"}, "AIPROD_VISION_JUDGE: 'gpt' not allowed"),
    ({"AIPROD_BACKENDS": "wan", "AIPROD_WAN_MODEL": "/models/wan", "AIPROD_WAN_STEPS": "many"},
     "AIPROD_WAN_STEPS: 'many' not allowed"),
    ({"AIPROD_BACKENDS": "wan", "AIPROD_WAN_MODEL": "/models/wan", "AIPROD_WAN_OFFLOAD": "maybe"},
     "AIPROD_WAN_OFFLOAD: 'maybe' not allowed; auto, on, off"),
])
def test_a_provider_switched_on_without_its_key_fails_naming_the_variable(store, env, message):
    with pytest.raises(DeploymentError, match=message):
        deployment_resources(TorchDevice(), env=env)


def test_an_unknown_backend_in_the_chain_names_what_is_available(store):
    backends = deployment_resources(TorchDevice(), env={})["render_backends"]
    with pytest.raises(KeyError, match="available: previz"):
        build_backend("runway", backends, store)


def test_definitions_take_the_environment(store, monkeypatch):
    monkeypatch.setenv("AIPROD_BACKENDS", "previz,replicate")
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8-secret")
    defs = build_definitions(store)
    assert defs.resources["policy"].enabled_backends == ["previz", "replicate"]
    assert defs.resources["render_backends"].replicate.api_key == dg.EnvVar("REPLICATE_API_TOKEN")
