"""The code location loads from workspace.yaml the way `dagster dev` loads it, and the UI route works:
`aiprod submit`, then a launch of `production` for the job's partition with no run config."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from aiprod_assets.partitions import PRODUCTION_JOB
from tests.support.cli import aiprod
from tests.support.jobs import EXAMPLES, REPO

ASSET_GROUPS_QUERY = """
{ assetNodes { assetKey { path } groupName } }
"""
LAUNCH_MUTATION = """
mutation Launch($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on InvalidSubsetError { message }
  }
}
"""
RUN_QUERY = "query Run($runId: ID!) { runOrError(runId: $runId) { ... on Run { status } } }"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}


def _env(dagster_home: Path, aiprod_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "AIPROD_STORE")}
    env.update(DAGSTER_HOME=str(dagster_home), AIPROD_HOME=str(aiprod_home))
    return env


def _dagster(*args: str) -> list[str]:
    # The interpreter running the tests, whatever PATH says.
    return [sys.executable, "-m", "dagster", *args]


def test_workspace_validates(tmp_path):
    done = subprocess.run(_dagster("definitions", "validate", "-w", "workspace.yaml"), cwd=REPO,
                          env=_env(tmp_path, tmp_path / "aiprod"), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Validation successful for code location aiprod" in done.stderr + done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["data"]


def _wait_for(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except (OSError, KeyError, TypeError):
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {seconds:g} s")


@contextmanager
def _serving(command: list[str], env: dict[str, str]):
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        yield server
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


def _asset_groups(port: int) -> dict[str, str] | None:
    nodes = _graphql(port, ASSET_GROUPS_QUERY)["assetNodes"]
    return {n["assetKey"]["path"][-1]: n["groupName"] for n in nodes} or None


def test_webserver_serves_the_assets_grouped_by_stage(tmp_path):
    port = _free_port()
    command = [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]
    with _serving(command, _env(tmp_path, tmp_path / "aiprod")):
        groups = _wait_for(lambda: _asset_groups(port), 90, "the webserver serving the code location")
    assert groups["brief"] == groups["sanitized_input"] == "intake"
    assert groups["production_manifest"] == groups["shot_list"] == "planning"
    assert groups["cost_estimate"] == groups["cost_model"] == groups["cost_model_backtest"] == "costing"
    assert groups["pricing_table"] == groups["cost_ledger"] == groups["device_profile"] == "costing"
    assert groups["technical_qa_report"] == "qa" and groups["delivery_manifest"] == "delivery"


def test_submit_then_a_launch_from_the_ui_with_no_run_config_delivers(tmp_path):
    """The README's UI route on a fresh home: `aiprod submit`, `dagster dev`, launch `production` for the
    partition exactly as the launchpad does when nothing is typed into it."""
    submitted = aiprod(tmp_path, "submit", EXAMPLES / "city-night-chase.json")
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.strip()
    assert job_id == "city-night-chase"
    aiprod_home = tmp_path / ".aiprod"
    port = _free_port()
    command = _dagster("dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port))
    with _serving(command, _env(aiprod_home / "dagster", aiprod_home)):
        _wait_for(lambda: _asset_groups(port), 120, "dagster dev serving the code location")
        params = {"selector": {"repositoryLocationName": "aiprod", "repositoryName": "__repository__",
                               "jobName": PRODUCTION_JOB},
                  "runConfigData": {},
                  "executionMetadata": {"tags": [{"key": "dagster/partition", "value": job_id}]}}
        launched = _graphql(port, LAUNCH_MUTATION, {"executionParams": params})["launchPipelineExecution"]
        assert launched["__typename"] == "LaunchRunSuccess", launched
        run_id = launched["run"]["runId"]
        status = _wait_for(
            lambda: (s := _graphql(port, RUN_QUERY, {"runId": run_id})["runOrError"]["status"]) in FINISHED and s,
            480, "the launched run finishing")
    assert status == "SUCCESS"
    manifest = json.loads((aiprod_home / "store" / "jobs" / job_id / "delivery_manifest.json").read_text())
    assert manifest["job_id"] == job_id and manifest["cost"]["within_budget"] is True
    assert (aiprod_home / "store" / "jobs" / job_id / "final_cut.mp4").stat().st_size > 0
