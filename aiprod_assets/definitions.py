"""The one Definitions of the AIPROD code location."""

import os

import dagster as dg

from aiprod_assets.costing import assets as costing_assets
from aiprod_assets.costing import device_assets, model_assets
from aiprod_assets.costing.ledger_io import LedgerIOManager
from aiprod_assets.delivery import assets as delivery_assets
from aiprod_assets.intake import assets as intake_assets
from aiprod_assets.operations import assets as operations_assets
from aiprod_assets.partitions import PRODUCTION_JOB
from aiprod_assets.paths import store_root
from aiprod_assets.planning import assets as planning_assets
from aiprod_assets.qa import assets as qa_assets
from aiprod_assets.rendering import assets as rendering_assets
from aiprod_assets.retry_policies import TRANSIENT_RETRY
from aiprod_assets.review import assets as review_assets
from aiprod_assets.warning_filters import quiet_dagster_notices
from resources.artifact_store import ArtifactStore
from resources.deployment import deployment_resources
from resources.gpu import TorchDevice
from resources.json_io_manager import JsonIOManager
from resources.store_factory import make_store
from sensors.alert_sensor import production_alert_sensor, production_run_failure_sensor
from sensors.approval_sensor import approval_sensor
from sensors.brief_sensor import brief_upload_sensor
from sensors.dead_runs import dead_run_sensor

quiet_dagster_notices()

job_assets = dg.load_assets_from_modules(
    [intake_assets, planning_assets, costing_assets, rendering_assets, qa_assets, review_assets, delivery_assets])

governance_assets = dg.load_assets_from_modules([model_assets, device_assets, operations_assets])

def production_executor() -> dg.ExecutorDefinition:
    """In one process by default: a step process per asset would load the code location a dozen times a job.
    Under Kubernetes (AIPROD_EXECUTOR=k8s) each step in its own pod, so only the render step's pod asks for
    a GPU (its op tags, resources/pools.py)."""
    if os.environ.get("AIPROD_EXECUTOR", "") != "k8s":
        return dg.in_process_executor
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor


production_job = dg.define_asset_job(
    PRODUCTION_JOB,
    selection=dg.AssetSelection.assets(*job_assets),
    description="A whole production job for one brief, from intake to delivery.",
    op_retry_policy=TRANSIENT_RETRY,
    executor_def=production_executor(),
)


def build_definitions(store: ArtifactStore | None = None, **overrides) -> dg.Definitions:
    """The code location's Definitions; ``overrides`` replace resources by key (tests, other deployments)."""
    store = store or make_store(store_root())
    gpu = overrides.pop("gpu", None) or TorchDevice()
    resources = {
        "store": store,
        "io_manager": JsonIOManager(store=store),
        "gpu": gpu,
        "ledger_io_manager": LedgerIOManager(store=store),
        # Backends, planner and vision judge as this deployment's environment switches them on.
        **deployment_resources(gpu),
    }
    resources.update(overrides)
    return dg.Definitions(
        assets=[*job_assets, *governance_assets],
        jobs=[production_job, model_assets.pricing_refresh_job, model_assets.recalibration_job,
              operations_assets.production_health_job],
        schedules=[model_assets.pricing_refresh_schedule, model_assets.recalibration_schedule,
                   operations_assets.production_health_schedule],
        sensors=[brief_upload_sensor, dead_run_sensor, approval_sensor, production_alert_sensor,
                 production_run_failure_sensor],
        resources=resources,
    )


defs = build_definitions()
