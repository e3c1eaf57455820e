"""The review app's runner loads Dagster and the production job as the app starts, not at the first edit."""

import threading
import time

from aiprod_assets.cli.local_env import LocalEnvironment
from aiprod_assets.cli.review_runs import LocalRunner


class LoadedOnce:
    """Stands for the CLI's environment where its job does not load: records when it is asked for."""

    def __init__(self, fails: bool = False):
        self.loaded = threading.Event()
        self.fails = fails

    @property
    def instance(self):
        return object()

    @property
    def job(self):
        self.loaded.set()
        if self.fails:
            raise ImportError("no module named assets")
        return object()


def test_the_runner_loads_the_job_as_it_starts_before_any_decision_or_edit(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("AIPROD_HOME", str(tmp_path / ".aiprod"))
    env = LocalEnvironment.from_env()
    LocalRunner(env, interval_sec=3600, say=lambda line: None).start()  # no tick for an hour, none woken
    deadline = time.monotonic() + 60
    while not {"instance", "definitions"} <= env.__dict__.keys() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {"instance", "definitions"} <= env.__dict__.keys(), "Dagster waited for the first decision or edit"
    assert env.job.name == "production"


def test_a_job_that_does_not_load_is_said_and_the_runner_goes_on():
    said: list[str] = []
    env = LoadedOnce(fails=True)
    runner = LocalRunner(env, interval_sec=3600, say=said.append)
    runner.start()
    assert env.loaded.wait(10)
    runner._thread.join(0.5)
    assert runner._thread.is_alive(), "the runner still waits for decisions and edits"
    assert any("loading the production job failed: ImportError" in line for line in said)
