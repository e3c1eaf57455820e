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


def test_an_edit_made_in_the_app_renders_its_shot_ahead_of_its_run(tmp_path, monkeypatch):
    from aiprod_assets.cli.progress import execute_with_progress
    from aiprod_assets.rendering.previz.device_worker import warm_device_worker
    from aiprod_assets.review import actions
    from aiprod_assets.review.reviewers import add_reviewer, reviewer_named
    from tests.support.review import local_environment, submit, write_brief

    env = local_environment(tmp_path, monkeypatch, approval="auto_when_passed")
    job_id = submit(env, write_brief(tmp_path, "ahead-in-app", duration_sec=2))
    assert execute_with_progress(env.job, env.instance, job_id).success
    add_reviewer(env.store, "ann", "approver")
    said: list[str] = []
    with warm_device_worker():
        runner = LocalRunner(env, interval_sec=3600, say=said.append)  # only woken: no tick on its own
        runner.start()
        edit = actions.edit_shot(env.store, reviewer_named(env.store, "ann"), job_id, "s01-01", {"lighting": "night"})
        runner.wake(edit)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not _edit_runs(env, job_id):
            time.sleep(0.2)
        [run] = _edit_runs(env, job_id)
    messages = [e.user_message for e in env.instance.all_logs(run.run_id)]
    assert any("shot s01-01: rendered ahead" in m for m in messages), said
    assert not any("rendering s01-01 ahead failed" in line for line in said)


def _edit_runs(env, job_id):
    import dagster as dg

    records = env.instance.get_run_records(dg.RunsFilter(tags={"dagster/partition": job_id}))
    return [r.dagster_run for r in records
            if r.dagster_run.tags.get("aiprod/source", "").startswith("review") and r.dagster_run.is_finished]
