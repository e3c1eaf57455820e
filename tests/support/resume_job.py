"""A production run in its own process, for the crash and resume tests.

python -m tests.support.resume_job JOB_ID [PARENT_RUN_ID]
Reads AIPROD_TEST_STORE, AIPROD_TEST_COUNTER and AIPROD_TEST_CRASH_AFTER; DAGSTER_HOME holds the runs.
With AIPROD_TEST_RUNWAY_URL set, shots render with the runway backend against that server instead.
"""

import os
import sys

import dagster as dg

from aiprod_assets.definitions import PRODUCTION_JOB, build_definitions
from resources.artifact_store import LocalArtifactStore
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy
from resources.render_backends import ProviderSettings, RenderBackends
from tests.support.fault_backends import FaultyBackends


def production_job() -> dg.JobDefinition:
    gpu = TorchDevice(device="cpu")
    store = LocalArtifactStore(root=os.environ["AIPROD_TEST_STORE"])
    if os.environ.get("AIPROD_TEST_RUNWAY_URL"):
        runway = ProviderSettings(api_key=dg.EnvVar("RUNWAYML_API_SECRET"), base_url=os.environ["AIPROD_TEST_RUNWAY_URL"],
                                  poll_interval_sec=0.05)
        defs = build_definitions(store, gpu=gpu, render_backends=RenderBackends(gpu=gpu, runway=runway),
                                 policy=ProductionPolicy(enabled_backends=["previz", "runway"], remediation_attempts=1))
        return defs.resolve_job_def(PRODUCTION_JOB)
    backends = FaultyBackends(gpu=gpu, counter_file=os.environ["AIPROD_TEST_COUNTER"],
                              crash_after=int(os.environ.get("AIPROD_TEST_CRASH_AFTER", "0")))
    defs = build_definitions(store, gpu=gpu, render_backends=backends)
    return defs.resolve_job_def(PRODUCTION_JOB)


def main(job_id: str, parent_run_id: str | None) -> int:
    instance = dg.DagsterInstance.get()
    job = dg.reconstructable(production_job)
    # The production job runs in one process (its executor), so a kill takes the whole run down.
    if parent_run_id:
        options = dg.ReexecutionOptions.from_failure(parent_run_id, instance)
        result = dg.execute_job(job, instance, reexecution_options=options,
                                tags={"dagster/partition": job_id})
    else:
        result = dg.execute_job(job, instance, tags={"dagster/partition": job_id})
    print(result.run_id)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
