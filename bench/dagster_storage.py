"""What Dagster's own bookkeeping costs a run, with Dagster's SQLite storage and with the CLI's.

    python -m bench.dagster_storage [--rounds 5]

A small job (2 s, 360p) is delivered once through `aiprod run`; then the production job runs again in this
process over the same home, every asset reused (its clips, QA and cut are kept), so what is timed is Dagster
storing the run's events and answering its lookups: once on an instance with Dagster's SQLite storage (an
engine and a connection made for each event), once on the CLI's (aiprod_assets/cli/local_storage.py: the
event log's connections kept), in turn. Prints the median seconds of each and their ratio.
"""

import os
import subprocess
import tempfile
from pathlib import Path

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from aiprod_assets.cli.local_storage import KeptConnectionsEventLogStorage
from aiprod_assets.cli.progress import QUIET_RUN_CONFIG
from bench.aiprod_cli import aiprod_env, aiprod_script, small_brief
from bench.timing import bench_arguments, interleaved_medians, print_comparison

JOB_ID = "bench-storage"


def main() -> None:
    args = bench_arguments(__doc__, rounds=5)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        subprocess.run([aiprod_script(), "run", str(small_brief(home, JOB_ID))], cwd=home, env=aiprod_env(home),
                       check=True, capture_output=True)
        # This process works in the same home, not in a Dagster home or store of the caller's.
        own_env = aiprod_env(home)
        os.environ.clear()
        os.environ.update(own_env)
        from aiprod_assets.cli.local_env import LocalEnvironment  # reads AIPROD_HOME

        env = LocalEnvironment.from_env()
        kept = env.instance
        assert isinstance(kept.event_log_storage, KeptConnectionsEventLogStorage)
        own = dg.DagsterInstance.from_ref(InstanceRef.from_dir(os.environ["DAGSTER_HOME"]))
        job = env.job

        def run_on(instance: dg.DagsterInstance) -> None:
            result = job.execute_in_process(instance=instance, partition_key=JOB_ID, run_config=QUIET_RUN_CONFIG)
            assert result.success

        # Imports and first-time set-up, on neither side's clock.
        run_on(own)
        run_on(kept)
        own_s, kept_s, _ = interleaved_medians(args.rounds, lambda: run_on(own), lambda: run_on(kept))
        steps = len(job.graph.nodes)
        print_comparison(
            f"the production job, {steps} steps, every asset reused, {args.rounds} rounds in turn (median)",
            ("Dagster's SQLite storage", f"{own_s:.2f} s a run"), ("the CLI's storage", f"{kept_s:.2f} s a run"),
            "the CLI's / Dagster's", kept_s / own_s, 1.0)


if __name__ == "__main__":
    main()
