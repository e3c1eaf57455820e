import os

import dagster as dg
import pytest

from resources.artifact_store import LocalArtifactStore
from tests.support.jobs import EXAMPLES

# The suite's commands stop their device workers as they end; tests/test_lingering_worker.py is where a worker
# outlives its command, as it does for users. Hundreds of commands, each in its own environment, would leave
# as many workers lingering on this machine.
os.environ["AIPROD_WORKER_LINGER_SEC"] = "0"


@pytest.fixture
def store(tmp_path) -> LocalArtifactStore:
    return LocalArtifactStore(root=str(tmp_path / "store"))


@pytest.fixture
def instance():
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture
def lighthouse_raw() -> bytes:
    return (EXAMPLES / "lighthouse-keeper.json").read_bytes()


@pytest.fixture
def worker(tmp_path, monkeypatch):
    """A device worker whose temporary folder (where it keeps what it makes ahead) is tmp_path/worker-tmp."""
    from aiprod_assets.rendering.previz.device_worker import DeviceWorker

    monkeypatch.setenv("TMPDIR", str(tmp_path / "worker-tmp"))
    (tmp_path / "worker-tmp").mkdir()
    started = DeviceWorker.start()
    yield started
    started.close()
