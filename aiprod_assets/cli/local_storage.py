"""The CLI's Dagster storage: Dagster's own SQLite files and schema, with the event log's connections kept.

Dagster's SQLite event log makes an engine, opens the file, and closes and disposes of both again for every
event it stores and every query it answers, and makes another engine each time it checks that its partitions
table exists: a job's run stores about 150 events and asks whether its partition exists about 15 times per
step, all on the thread that runs the steps, one after the other. That was about 0.2 s of CPU per step here,
more than most steps' own work (`python -m bench.dagster_storage`). This storage keeps one engine per shard
file (the index, and the few runs in progress) with its connection open between uses, and remembers which
tables are there, so an event costs its insert and commit. The files, their schema and SQLite's locking are
Dagster's own: `dagster dev` on the same home reads and writes them as ever. Used where the home's
`dagster.yaml` names no storage of its own (a deployment's Postgres stays as it is).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import yaml
from dagster import __version__ as dagster_version
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite_storage import (
    DagsterSqliteStorage,
    _event_logs_directory,
)
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, QueuePool

# The index and the runs in progress: a long-lived process (the review app) runs job after job.
KEPT_SHARDS = 4


def _sync_at_checkpoints(connection, _record) -> None:
    # Dagster's shards are in WAL mode, where SQLite's default syncs the log to disk at every commit: a run's
    # 150 events waited on about 150 fsyncs, one after the other, on the thread that runs the steps. Synced at
    # checkpoints instead, a commit survives the process being killed (the log is the kernel's by then) and
    # the file stays whole through a power cut, which may take back the last events: what a run made is in
    # the store, and a re-run finds it there.
    connection.execute("PRAGMA synchronous=NORMAL")


class KeptConnectionsEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage whose shards keep their engine and one open connection between uses."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables: set[str] = set()
        super().__init__(base_dir, inst_data=inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is None:
            # One connection stays in the pool; Dagster's set-up of a new shard checks a second one out while
            # it holds the first (overflow, closed when returned). Uses are one at a time (the storage's lock),
            # from whichever thread logs, hence a connection not bound to the thread that opened it.
            engine = create_engine(self.conn_string_for_shard(shard), poolclass=QueuePool, pool_size=1,
                                   max_overflow=4, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                                                                 "check_same_thread": False})
            event.listen(engine, "connect", _sync_at_checkpoints)
            self._engines[shard] = engine
        self._engines.move_to_end(shard)
        while len(self._engines) > KEPT_SHARDS:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As Dagster's own, but for the engine: kept instead of made and disposed of each time.
        with self._db_lock:
            if shard not in self._initialized_dbs and shard != INDEX_SHARD_NAME and self._copy_empty_shard(shard):
                self._initialized_dbs.add(shard)
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _copy_empty_shard(self, shard: str) -> bool:
        """Make a new run's file as a copy of an empty one Dagster set up (its tables, WAL mode and schema
        revision stamped), made once per Dagster version: Dagster's set-up, which loads alembic's migration
        scripts and creates the tables and indexes, took 70 ms of every run's start. False where the file is
        there already (another process made it) or cannot be made so: Dagster sets it up as ever."""
        target = self.path_for_shard(shard)
        if os.path.exists(target):
            return False
        empty = os.path.join(self._base_dir, f".empty-run-{dagster_version}.sqlite")
        partial = f"{target}.{os.getpid()}.{threading.get_ident()}.partial"
        try:
            if not os.path.exists(empty):
                self._make_empty_shard(empty, partial)
            shutil.copyfile(empty, partial)
            os.link(partial, target)  # never over a file another process made meanwhile
        except OSError:
            return False
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        return True

    def _make_empty_shard(self, empty: str, partial: str) -> None:
        engine = create_engine(f"sqlite:///{partial}", poolclass=NullPool)
        try:
            self._initdb(engine)
        finally:
            engine.dispose()  # the last connection closed: the log is written into the file and removed
        os.replace(partial, empty)

    def has_table(self, table_name: str) -> bool:
        # Asked before every partition lookup (about fifteen per step), each time with an engine of its own.
        # A table once there stays: Dagster's migrations add tables.
        if table_name not in self._tables:
            if not super().has_table(table_name):
                return False
            self._tables.add(table_name)
        return True

    def _close_connections(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        # The run shards' files are deleted: an open connection would go on writing to the deleted file.
        self._close_connections()
        super().wipe()

    def upgrade(self) -> None:
        self._close_connections()
        super().upgrade()

    def dispose(self) -> None:
        super().dispose()
        self._close_connections()


class LocalSqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage in the same folders, its event log keeping its connections."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data=inst_data)
        self._event_log_storage = KeptConnectionsEventLogStorage(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, **config_value)


_STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")


def local_storage_override(home: str) -> dict:
    """The instance override that puts this storage on a home."""
    return {"custom": {"module": __name__, "class": LocalSqliteStorage.__name__, "config": {"base_dir": home}}}


def storage_overrides(home: Path) -> dict:
    """The overrides for the CLI's instance on ``home``: this storage, unless its dagster.yaml names one."""
    config = home / "dagster.yaml"
    named = (yaml.safe_load(config.read_text()) or {}) if config.exists() else {}
    if any(key in named for key in _STORAGE_KEYS):
        return {}  # a deployment's own storage is kept
    return {"storage": local_storage_override(str(home))}
