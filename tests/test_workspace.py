"""The code location loads from workspace.yaml the way `dagster dev` loads it."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

from tests.support.jobs import REPO

ASSET_GROUPS_QUERY = """
{ assetNodes { assetKey { path } groupName } }
"""


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(DAGSTER_HOME=str(tmp_path), AIPROD_HOME=str(tmp_path / "aiprod"))
    return env


def test_workspace_validates(tmp_path):
    done = subprocess.run(["dagster", "definitions", "validate", "-w", "workspace.yaml"], cwd=REPO,
                          env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Validation successful for code location aiprod" in done.stderr + done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_webserver_serves_the_assets_grouped_by_stage(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        ["dagster-webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)], cwd=REPO,
        env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        groups = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and groups is None:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": ASSET_GROUPS_QUERY}).encode(),
                    headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as response:
                    nodes = json.load(response)["data"]["assetNodes"]
                    if nodes:
                        groups = {n["assetKey"]["path"][-1]: n["groupName"] for n in nodes}
            except (OSError, KeyError, TypeError):
                time.sleep(0.5)
        assert groups is not None, "the webserver did not serve the code location in time"
        assert groups["brief"] == groups["sanitized_input"] == "intake"
        assert groups["production_manifest"] == groups["shot_list"] == "planning"
        assert groups["cost_estimate"] == groups["cost_model"] == groups["cost_model_backtest"] == "costing"
        assert groups["pricing_table"] == groups["cost_ledger"] == "costing"
        assert groups["technical_qa_report"] == "qa" and groups["delivery_manifest"] == "delivery"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
