"""Kubernetes and compose, checked against what Dagster itself accepts: the Helm values use the keys the
chart documents, and the instance config the chart renders from them passes dagster-k8s's and Dagster's
own config validation; the render step's pod settings parse as dagster-k8s reads them."""

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config_schema
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_k8s import K8sRunLauncher
from dagster_k8s.job import get_user_defined_k8s_config

from resources.pools import render_op_tags, render_pool

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
VALUES = yaml.safe_load((DEPLOY / "k8s" / "values.yaml").read_text())

# The chart's documented keys (helm/dagster/schema/schema/charts/dagster: values.py, subschema/daemon.py,
# subschema/run_launcher.py, subschema/postgresql.py, and the user-deployments chart), for the sections set.
CHART_KEYS = {
    (): {"dagsterWebserver", "dagster-user-deployments", "postgresql", "generatePostgresqlPasswordSecret",
         "generateCeleryConfigSecret", "rabbitmq", "redis", "flower", "ingress", "imagePullSecrets",
         "computeLogManager", "scheduler", "runLauncher", "pythonLogs", "dagsterDaemon", "busybox", "migrate",
         "telemetry", "serviceAccount", "global", "retention", "concurrency", "additionalInstanceConfig"},
    ("dagsterDaemon",): {"enabled", "image", "runCoordinator", "heartbeatTolerance", "env", "envConfigMaps",
                         "envSecrets", "deploymentLabels", "labels", "nodeSelector", "affinity", "tolerations",
                         "podSecurityContext", "securityContext", "resources", "livenessProbe", "readinessProbe",
                         "startupProbe", "annotations", "runMonitoring", "runRetries", "sensors", "schedules",
                         "schedulerName", "volumeMounts", "volumes"},
    ("dagsterDaemon", "runCoordinator"): {"enabled", "type", "config"},
    ("runLauncher",): {"type", "config"},
    ("runLauncher", "config", "k8sRunLauncher"): {
        "image", "imagePullPolicy", "jobNamespace", "loadInclusterConfig", "kubeconfigFile", "envConfigMaps",
        "envSecrets", "envVars", "volumeMounts", "volumes", "labels", "failPodOnRunFailure", "resources",
        "schedulerName", "securityContext", "runK8sConfig"},
    ("runLauncher", "config", "k8sRunLauncher", "runK8sConfig"): {
        "containerConfig", "podSpecConfig", "podTemplateSpecMetadata", "jobSpecConfig", "jobMetadata"},
    ("postgresql",): {"postgresqlScheme", "image", "enabled", "postgresqlHost", "postgresqlUsername",
                      "postgresqlPassword", "postgresqlDatabase", "postgresqlParams", "service"},
}
USER_DEPLOYMENT_KEYS = {"name", "image", "dagsterApiGrpcArgs", "codeServerArgs", "includeConfigInLaunchedRuns",
                        "deploymentNamespace", "port", "env", "envConfigMaps", "envSecrets", "annotations",
                        "nodeSelector", "affinity", "tolerations", "podSecurityContext", "securityContext",
                        "resources", "livenessProbe", "readinessProbe", "startupProbe", "labels", "volumeMounts",
                        "volumes", "schedulerName", "initContainers", "sidecarContainers", "deploymentStrategy",
                        "service", "replicaCount"}


def _at(path):
    node = VALUES
    for key in path:
        node = node[key]
    return node


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@pytest.mark.parametrize("path", sorted(CHART_KEYS), ids=lambda p: ".".join(p) or "top")
def test_the_helm_values_use_only_keys_the_chart_documents(path):
    assert set(_at(path)) <= CHART_KEYS[path], set(_at(path)) - CHART_KEYS[path]


def test_the_code_location_deployment_uses_the_charts_keys_and_runs_our_module():
    [deployment] = VALUES["dagster-user-deployments"]["deployments"]
    assert set(deployment) <= USER_DEPLOYMENT_KEYS
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "aiprod_assets.definitions"]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert env["AIPROD_EXECUTOR"] == "k8s" and "=" in env["AIPROD_GPU_NODE_LABEL"]
    # No secret value in the file: keys come from the Secret named in envSecrets.
    assert not any(name.endswith(("KEY", "SECRET", "TOKEN", "WEBHOOK", "PASSWORD")) for name in env)
    assert VALUES["postgresql"]["postgresqlPassword"] == "" and VALUES["global"]["postgresqlSecretName"]


def chart_k8s_run_launcher(values: dict, namespace: str = "aiprod") -> dict:
    """The run launcher section the chart renders from the values (templates/helpers/instance/_run-launcher.tpl)."""
    section = values["runLauncher"]["config"]["k8sRunLauncher"]
    config = {"load_incluster_config": section["loadInclusterConfig"],
              "job_namespace": section.get("jobNamespace") or namespace,
              "image_pull_policy": section["imagePullPolicy"], "service_account_name": "aiprod-dagster",
              "dagster_home": {"env": "DAGSTER_HOME"}, "instance_config_map": {"env": "DAGSTER_K8S_INSTANCE_CONFIG_MAP"},
              "postgres_password_secret": {"env": "DAGSTER_K8S_PG_PASSWORD_SECRET"},
              "env_config_maps": [{"env": "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP"}]
              + [c["name"] for c in section["envConfigMaps"]]}
    if section["envSecrets"]:
        config["env_secrets"] = [s["name"] for s in section["envSecrets"]]
    for key in ("envVars", "volumeMounts", "volumes", "labels", "failPodOnRunFailure", "resources",
                "schedulerName", "securityContext"):
        if section.get(key):
            config[_snake(key)] = section[key]
    if section.get("runK8sConfig"):
        config["run_k8s_config"] = {_snake(k): v for k, v in section["runK8sConfig"].items()}
    return config


def test_the_k8s_run_launcher_config_passes_dagster_k8s_validation(monkeypatch):
    for name in ("DAGSTER_HOME", "DAGSTER_K8S_INSTANCE_CONFIG_MAP", "DAGSTER_K8S_PG_PASSWORD_SECRET",
                 "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP"):
        monkeypatch.setenv(name, f"aiprod-{name.lower()}")
    config = chart_k8s_run_launcher(VALUES)
    result = process_config(K8sRunLauncher.config_type(), config)
    assert result.success, [e.message for e in result.errors]
    assert result.value["env_secrets"] == ["aiprod-secrets"] and result.value["fail_pod_on_run_failure"] is True
    # And it would fail on a key the launcher does not know: the check is real.
    assert not process_config(K8sRunLauncher.config_type(), {**config, "gpu_count": 1}).success


def test_the_queue_monitoring_and_retries_pass_dagsters_own_schemas():
    daemon = VALUES["dagsterDaemon"]
    queued = {_snake(k): v for k, v in daemon["runCoordinator"]["config"]["queuedRunCoordinator"].items()}
    assert process_config(QueuedRunCoordinator.config_type(), queued).success
    schema = dagster_instance_config_schema()
    for key, section in (("run_monitoring", daemon["runMonitoring"]), ("run_retries", daemon["runRetries"])):
        result = process_config(schema[key].config_type, {_snake(k): v for k, v in section.items()})
        assert result.success, (key, [e.message for e in result.errors])
    # The same limits as the single-machine instance.
    local = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())
    assert queued["tag_concurrency_limits"] == local["run_coordinator"]["config"]["tag_concurrency_limits"]


def test_the_render_step_asks_for_a_gpu_node_in_a_form_dagster_k8s_reads():
    from aiprod_assets.rendering.assets import rendered_clips

    config = get_user_defined_k8s_config(rendered_clips.op.tags)  # the asset as defined, tags as Dagster keeps them
    assert config.container_config["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert config.pod_spec_config["node_selector"] == {"nvidia.com/gpu.present": "true"}
    assert rendered_clips.op.pool == "gpu"
    labelled = render_op_tags({"AIPROD_GPU_NODE_LABEL": "cloud.google.com/gke-accelerator=nvidia-l4"})
    config = get_user_defined_k8s_config({key: json.dumps(value) for key, value in labelled.items()})
    assert config.pod_spec_config["node_selector"] == {"cloud.google.com/gke-accelerator": "nvidia-l4"}
    # A deployment rendering on a remote provider holds that provider's pool, and no GPU.
    assert render_pool({"AIPROD_BACKENDS": "veo,previz"}) == "provider-veo"
    assert render_op_tags({"AIPROD_BACKENDS": "veo,previz"}) == {}


def test_the_compose_file_runs_postgres_code_webserver_and_daemon_on_the_production_instance():
    compose = yaml.safe_load((DEPLOY / "compose" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "code", "webserver", "daemon"}
    assert services["daemon"]["command"][:2] == ["dagster-daemon", "run"]
    for name in ("code", "webserver", "daemon"):
        env = services[name]["environment"]
        assert {"DAGSTER_PG_HOST", "DAGSTER_PG_PASSWORD", "AIPROD_MAX_CONCURRENT_RUNS"} <= set(env)
    # Every variable deploy/dagster.yaml reads is given to Dagster's services.
    read = set(re.findall(r"\{env: (\w+)\}", (DEPLOY / "dagster.yaml").read_text()))
    assert len(read) == 6 and read <= set(services["daemon"]["environment"])
    workspace = yaml.safe_load((DEPLOY / "compose" / "workspace.yaml").read_text())
    assert workspace["load_from"][0]["grpc_server"]["port"] == 4000
    assert "4000" in (DEPLOY / "Dockerfile").read_text().split("CMD", 1)[1]


def test_no_secret_is_written_in_the_deployment_files():
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            text = path.read_text()
            for line in text.splitlines():
                key, _, value = line.partition("=")
                if path.name == "env.example" and key.endswith(("KEY", "SECRET", "TOKEN", "PASSWORD", "WEBHOOK")):
                    assert value == "", (path, key)
    assert os.path.exists(DEPLOY / "compose" / "env.example")
