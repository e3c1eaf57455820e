"""The embedded-defaults environment the CLI works in: a local store and a persistent Dagster home."""

import os
import sys
from dataclasses import dataclass
from functools import cached_property

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from aiprod_assets.cli.local_storage import storage_overrides
from aiprod_assets.partitions import PRODUCTION_JOB, jobs_partitions
from aiprod_assets.paths import dagster_home, store_root
from resources.artifact_store import ArtifactStore
from resources.store_factory import make_store
from sensors.dead_runs import INTERRUPTED, reap_dead_runs

# One render at a time per GPU pool: renders share the machine's one device.
_DAGSTER_YAML = "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"


@dataclass
class LocalEnvironment:
    store: ArtifactStore
    location: str

    @classmethod
    def from_env(cls) -> "LocalEnvironment":
        location = store_root()
        return cls(store=make_store(location, in_dagster=False), location=location)

    @cached_property
    def definitions(self) -> dg.Definitions:
        # Imported here: loading the code location (torch, every asset) is for commands that run the graph.
        from aiprod_assets.definitions import build_definitions

        return build_definitions(self.store)

    @property
    def job(self) -> dg.JobDefinition:
        return self.definitions.resolve_job_def(PRODUCTION_JOB)

    @cached_property
    def instance(self) -> dg.DagsterInstance:
        # The same home `dagster dev` uses when DAGSTER_HOME points at it, so CLI runs show in the UI.
        home = dagster_home()
        home.mkdir(parents=True, exist_ok=True)
        config = home / "dagster.yaml"
        if not config.exists():
            config.write_text(_DAGSTER_YAML)
        os.environ["DAGSTER_HOME"] = str(home)
        # Runs made here write no compute logs: Dagster would capture this whole process's stdout and stderr
        # (the progress bar, the review app's server) through two `tail -F` processes and two watchers per
        # run, and a tail outliving the run kept a caller's pipe open for ever. The event log has every line.
        overrides = {"compute_logs": {
            "module": "dagster._core.storage.noop_compute_log_manager", "class": "NoOpComputeLogManager"},
            **storage_overrides(home)}
        instance = dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))
        # A run killed earlier would hold its pool slot for ever: fail it and free the slot first.
        for run_id in reap_dead_runs(instance):
            print(f"run {run_id}: {INTERRUPTED}; marked failed, its pool slot freed", file=sys.stderr)
        return instance

    def ensure_partition(self, job_id: str) -> None:
        if not self.instance.has_dynamic_partition(jobs_partitions.name, job_id):
            self.instance.add_dynamic_partitions(jobs_partitions.name, [job_id])
