"""The production instance (deploy/dagster.yaml) on a real Postgres started by the tests: it loads, its
pools are set by `aiprod deploy pools`, and a real daemon works a queue of six jobs two at a time with
one render at a time."""

import shutil
import subprocess
import sys
import threading

import dagster as dg
import pytest

from aiprod_assets.testing.deployment import (
    PRODUCTION_YAML,
    REPO,
    QueuedDeployment,
    most_at_once,
    run_intervals,
    small_brief,
    step_intervals,
)
from aiprod_assets.testing.postgres import ThrowawayPostgres


@pytest.fixture(scope="module")
def pg():
    with ThrowawayPostgres() as cluster:
        yield cluster


@pytest.fixture
def production_home(tmp_path, pg, monkeypatch):
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(PRODUCTION_YAML, home / "dagster.yaml")
    for key, value in {**pg.env, "AIPROD_MAX_CONCURRENT_RUNS": "2"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_the_production_instance_config_loads_against_postgres(production_home):
    instance = dg.DagsterInstance.from_config(str(production_home))
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "SlotSafePostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        coordinator = instance.run_coordinator
        assert type(coordinator).__name__ == "QueuedRunCoordinator"
        assert coordinator.get_run_queue_config().max_concurrent_runs == 2
        limits = {limit["key"]: limit for limit in coordinator.get_run_queue_config().tag_concurrency_limits}
        assert limits["dagster/partition"]["limit"] == 1 and limits["aiprod/kind"]["value"] == "governance"
        assert instance.run_monitoring_enabled and instance.run_retries_enabled
        assert instance.run_retries_max_retries == 2
        # It stores what the platform stores: a job partition, a run.
        instance.add_dynamic_partitions("jobs", ["pg-job"])
        assert dg.DagsterInstance.from_config(str(production_home)).has_dynamic_partition("jobs", "pg-job")
    finally:
        instance.dispose()


def test_deploy_pools_sets_the_gpu_pool_and_one_per_provider(production_home):
    env = {"AIPROD_GPU_SLOTS": "3", "AIPROD_VEO_ACCOUNT_CONCURRENCY": "8"}
    done = subprocess.run([sys.executable, "-m", "aiprod_assets.cli.main", "deploy", "pools"], cwd=REPO,
                          env={**__import__("os").environ, **env}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    instance = dg.DagsterInstance.from_config(str(production_home))
    slots = {pool: instance.event_log_storage.get_concurrency_info(pool).slot_count
             for pool in ("gpu", "provider-veo", "provider-runway", "provider-replicate")}
    assert slots == {"gpu": 3, "provider-veo": 2, "provider-runway": 1, "provider-replicate": 1}
    bad = subprocess.run([sys.executable, "-m", "aiprod_assets.cli.main", "deploy", "pools"], cwd=REPO,
                         env={**__import__("os").environ, "AIPROD_GPU_SLOTS": "two"}, capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode != 0 and "AIPROD_GPU_SLOTS: 'two' not allowed" in bad.stderr


SMALL_BRIEF = small_brief()


def test_a_real_daemon_delivers_six_queued_jobs_two_at_a_time_one_render_at_a_time(pg):
    job_ids = [f"queued-{n}" for n in range(1, 7)]
    with QueuedDeployment(pg, max_concurrent_runs=2, gpu_slots=1) as deployment:
        instance = deployment.instance()
        deployment.upload(job_ids, SMALL_BRIEF)
        deployment.wait_delivered(job_ids, instance, timeout_sec=600)
        runs = run_intervals(instance)
        renders = step_intervals(instance, "rendered_clips")
        assert sorted(deployment.delivered(job_ids)) == job_ids
        assert len(runs) == 6 and most_at_once(runs) == 2
        assert len(renders) == 6 and most_at_once(renders) == 1
        # All six were requested before the first finished: the queue, not the arrivals, kept it to two.
        records = instance.get_run_records(filters=dg.RunsFilter(job_name="production"))
        assert max(r.create_timestamp.timestamp() for r in records) < min(end for _, end, _ in runs)


def test_a_pool_slot_is_taken_by_one_step_however_many_claim_it_at_once(production_home):
    from dagster._utils.concurrency import ConcurrencySlotStatus

    storage = dg.DagsterInstance.from_config(str(production_home)).event_log_storage
    storage.set_concurrency_slots("race", 1)
    for attempt in range(10):
        start, results = threading.Barrier(8), []

        def claim(n, attempt=attempt):
            start.wait()
            results.append((storage._claim_concurrency_slot("race", f"run-{attempt}-{n}", "rendered_clips"), n))

        workers = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        winners = [n for status, n in results if status == ConcurrencySlotStatus.CLAIMED]
        assert len(winners) == 1, (attempt, results)
        storage.free_concurrency_slots_for_run(f"run-{attempt}-{winners[0]}")
