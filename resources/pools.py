"""Concurrency pools of a deployment: the render step's pool, and the limits `aiprod deploy pools` sets.

  AIPROD_GPU_SLOTS                    renders at once on the GPU pool: GPU nodes x GPUs per node (default 1)
  AIPROD_<NAME>_ACCOUNT_CONCURRENCY   tasks the provider account runs at once (VEO, RUNWAY, REPLICATE;
                                      default: one job's worth, policy.provider_concurrency)

A deployment whose first backend is a remote provider renders there, not on a GPU: its render step
takes that provider's pool, ``provider-<name>``, sized so that the jobs in it never submit more tasks
at once than the account allows.
"""

from collections.abc import Mapping

from aiprod_assets.backends import KNOWN_BACKENDS

LOCAL_BACKENDS = ("previz", "wan")
GPU_POOL = "gpu"


def render_pool(env: Mapping[str, str]) -> str:
    first = (env.get("AIPROD_BACKENDS") or "previz").split(",")[0].strip()
    if first in LOCAL_BACKENDS or first not in KNOWN_BACKENDS:
        return GPU_POOL
    return f"provider-{first}"


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name}: {raw!r} not allowed; a whole number of at least 1")
    return int(raw)


def pool_limits(env: Mapping[str, str], provider_concurrency: Mapping[str, int]) -> dict[str, int]:
    limits = {GPU_POOL: _positive_int(env, "AIPROD_GPU_SLOTS", 1)}
    for name, per_job in sorted(provider_concurrency.items()):
        account = _positive_int(env, f"AIPROD_{name.upper()}_ACCOUNT_CONCURRENCY", per_job)
        limits[f"provider-{name}"] = max(1, account // max(1, per_job))
    return limits


def render_op_tags(env: Mapping[str, str]) -> dict:
    """The render step's pod under Kubernetes (k8s_job_executor: one pod per step): one GPU, on a GPU node.
    AIPROD_GPU_NODE_LABEL picks the nodes (default: the NVIDIA GPU operator's label)."""
    if render_pool(env) != GPU_POOL:
        return {}
    key, _, value = (env.get("AIPROD_GPU_NODE_LABEL") or "nvidia.com/gpu.present=true").partition("=")
    return {"dagster-k8s/config": {
        "container_config": {"resources": {"limits": {"nvidia.com/gpu": "1"},
                                           "requests": {"nvidia.com/gpu": "1", "cpu": "4", "memory": "16Gi"}}},
        "pod_spec_config": {"node_selector": {key: value},
                            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists",
                                             "effect": "NoSchedule"}]},
    }}
