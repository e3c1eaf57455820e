"""The CLI's Dagster storage keeps its event log's connections, and writes what Dagster's own storage reads."""

import contextlib
import sqlite3

import dagster as dg
from dagster._core.instance.ref import InstanceRef
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SqliteEventLogStorage,
)

from aiprod_assets.cli.local_env import LocalEnvironment
from aiprod_assets.cli.local_storage import (
    KEPT_SHARDS,
    KeptConnectionsEventLogStorage,
    local_storage_override,
)


@dg.asset
def take() -> int:
    return 1


@dg.asset
def given(take: int) -> int:
    return take + 1


def _instance(home, kept: bool) -> dg.DagsterInstance:
    overrides = {"storage": local_storage_override(str(home))} if kept else {}
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))


def test_runs_stored_with_kept_connections_read_the_same_from_dagsters_own_storage(tmp_path):
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    kept = _instance(tmp_path, kept=True)
    storage = kept.event_log_storage
    assert isinstance(storage, KeptConnectionsEventLogStorage)
    runs = [dg.materialize([take, given], instance=kept).run_id for _ in range(KEPT_SHARDS + 2)]
    index_engine = storage._engines["index"]
    runs.append(dg.materialize([take, given], instance=kept).run_id)
    assert storage._engines["index"] is index_engine, "the index's engine is kept between runs"
    assert len(storage._engines) <= KEPT_SHARDS, "a long-lived process does not keep every run's file open"

    # What `dagster dev` on the same home sees: Dagster's own storage, reading the same files.
    own = _instance(tmp_path, kept=False)
    assert type(own.event_log_storage) is SqliteEventLogStorage
    for run_id in runs:
        assert own.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
        assert [e.dagster_event_type for e in own.all_logs(run_id)] == \
            [e.dagster_event_type for e in kept.all_logs(run_id)]
    materialized = own.fetch_materializations(dg.AssetKey("given"), limit=100).records
    assert len(materialized) == len(runs)
    # And the other way round: a run Dagster's storage writes is read here.
    other = dg.materialize([take, given], instance=own).run_id
    assert kept.get_run_by_id(other).status == dg.DagsterRunStatus.SUCCESS
    assert len(kept.fetch_materializations(dg.AssetKey("given"), limit=100).records) == len(runs) + 1
    assert storage.has_table("event_logs") and not storage.has_table("no_such_table")
    own.dispose()
    kept.dispose()
    assert not storage._engines, "disposing of the instance closes the kept connections"


def test_the_cli_keeps_a_deployments_own_storage(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("AIPROD_HOME", str(tmp_path / "embedded"))
    assert isinstance(LocalEnvironment.from_env().instance.event_log_storage, KeptConnectionsEventLogStorage)

    deployment = tmp_path / "deployment"
    deployment.mkdir()
    (deployment / "dagster.yaml").write_text(f"storage:\n  sqlite:\n    base_dir: {deployment / 'own'}\n")
    monkeypatch.setenv("DAGSTER_HOME", str(deployment))
    instance = LocalEnvironment.from_env().instance
    assert type(instance.event_log_storage) is SqliteEventLogStorage
    assert (deployment / "own" / "history").is_dir(), "the deployment's storage is the one its yaml names"


def _schema(path) -> tuple[list, list, str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = sorted(db.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)
        return tables, db.execute("SELECT version_num FROM alembic_version").fetchall(), \
            db.execute("PRAGMA journal_mode").fetchone()[0]


def test_a_new_runs_file_is_the_one_dagster_sets_up_copied_and_synced_at_checkpoints(tmp_path):
    for home in ("kept", "own"):
        (tmp_path / home).mkdir()
        (tmp_path / home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    kept, own = _instance(tmp_path / "kept", kept=True), _instance(tmp_path / "own", kept=False)
    copied = dg.materialize([take, given], instance=kept).run_id
    made = dg.materialize([take, given], instance=own).run_id
    runs = lambda home: home / "history" / "runs"  # noqa: E731
    assert list(runs(tmp_path / "kept").glob(".empty-run-*.sqlite")), "made once, beside the runs' files"
    # The same tables, indexes, schema revision and WAL mode as the file Dagster's own storage made.
    assert _schema(runs(tmp_path / "kept") / f"{copied}.db") == _schema(runs(tmp_path / "own") / f"{made}.db")
    assert _schema(runs(tmp_path / "kept") / f"{copied}.db")[2] == "wal"
    assert kept.get_run_by_id(copied).status == dg.DagsterRunStatus.SUCCESS
    # Dagster's own storage lists runs by their files: the empty one is not taken for a run.
    assert _instance(tmp_path / "kept", kept=False).event_log_storage.get_all_run_ids() == [copied]
    with kept.event_log_storage.run_connection(copied) as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL: synced at checkpoints

    # A run's file another process made first is never copied over.
    storage = kept.event_log_storage
    theirs = runs(tmp_path / "kept") / "theirs.db"
    theirs.write_bytes(b"made elsewhere")
    assert not storage._copy_empty_shard("theirs") and theirs.read_bytes() == b"made elsewhere"
    assert not list(runs(tmp_path / "kept").glob("*.partial"))
    own.dispose()
    kept.dispose()
