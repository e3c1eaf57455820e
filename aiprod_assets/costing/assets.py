"""Costing assets: the pre-render cost estimate and its budget gate."""


import dagster as dg

from aiprod_assets.contracts import SanitizedInput, ShotList
from aiprod_assets.costing import device_assets
from aiprod_assets.costing.audit import append_audit
from aiprod_assets.costing.device import current_device_profile
from aiprod_assets.costing.estimate import estimate_cost
from aiprod_assets.costing.pricing import current_pricing
from aiprod_assets.costing.prior_model import ComputeProfile, load_coefficients
from aiprod_assets.costing.promotion import load_promoted
from aiprod_assets.metadata_values import readable_metadata
from aiprod_assets.partitions import jobs_partitions
from aiprod_assets.rendering.device import device_description
from resources.artifact_store import ArtifactStore
from resources.gpu import TorchDevice
from resources.policy import ProductionPolicy

WITHIN_BUDGET_CHECK = "within_budget"


@dg.asset(
    partitions_def=jobs_partitions,
    group_name="costing",
    kinds={"json"},
    deps=[device_assets.device_profile],
    check_specs=[dg.AssetCheckSpec(WITHIN_BUDGET_CHECK, asset="cost_estimate", blocking=True,
                                   description="Blocks rendering when even the cheapest chain exceeds the budget.")],
)
def cost_estimate(context: dg.AssetExecutionContext, sanitized_input: SanitizedInput, shot_list: ShotList,
                  policy: ProductionPolicy, store: ArtifactStore, gpu: TorchDevice):
    """Line items, every cost factor, total with its p10-p90 interval, the backend chain and the budget decision
    with its reason; previz priced from the device profile measured on this device."""
    coefficients = load_coefficients()
    compute = ComputeProfile(gpu_model=policy.gpu_model, quantization=policy.quantization,
                             batch_size=policy.batch_size, gpu_count=policy.gpu_count,
                             framework=policy.framework, spot=policy.spot)
    device = (current_device_profile(store, device_description(gpu), lambda: device_assets.measure_on(gpu),
                                     on_event=context.log.info)
              if "previz" in policy.enabled_backends else None)
    estimate = estimate_cost(sanitized_input, shot_list, current_pricing(store, policy.pricing_file), coefficients,
                             compute, policy.enabled_backends, load_promoted(store), device, policy.budget_on)
    for note in estimate.notes:
        context.log.warning(note)
    decision = estimate.decision
    append_audit(store, estimate.job_id, "estimate", total_usd=estimate.total_usd, model_version=estimate.model_version,
                 pricing_version=estimate.pricing_version, per_backend={b.backend: b.total_usd for b in estimate.per_backend})
    kind = {"approved": "chain", "downgraded": "downgrade", "rejected": "rejection"}[decision.decision]
    append_audit(store, estimate.job_id, kind, chain=estimate.chain, requested_chain=estimate.requested_chain,
                 budget_usd=decision.budget_usd, reason=decision.reason)
    yield dg.Output(estimate, metadata=readable_metadata({
        "total_usd": estimate.total_usd,
        "p10_usd": estimate.p10_usd,
        "p90_usd": estimate.p90_usd,
        "notes": "; ".join(estimate.notes) or "none",
        "budget_usd": decision.budget_usd,
        "decision": decision.decision,
        "chain": ", ".join(estimate.chain) or "(none)",
        "model_version": estimate.model_version,
        "pricing_version": estimate.pricing_version,
    }))
    yield dg.AssetCheckResult(
        check_name=WITHIN_BUDGET_CHECK,
        passed=decision.decision != "rejected",
        description=decision.reason,
        metadata={"total_usd": estimate.total_usd, "budget_usd": decision.budget_usd},
    )
