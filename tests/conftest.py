import dagster as dg
import pytest

from resources.artifact_store import LocalArtifactStore
from tests.support.jobs import EXAMPLES


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
