"""The render device as the stages see it: asked of the device worker where a CLI command started one (so
this process never imports torch for it), else resolved here by the deployment's gpu resource."""

from __future__ import annotations

from aiprod_assets.rendering.previz.device_worker import warm_worker


def device_name(gpu) -> str:
    """"cpu", "cuda", "cuda:1": what the encoder is chosen by. ``gpu`` is the TorchDevice resource."""
    worker = warm_worker()
    return worker.describe(gpu.device, gpu.threads)[0] if worker else str(gpu.torch_device())


def device_type(gpu) -> str:
    return device_name(gpu).split(":")[0]


def device_description(gpu) -> str:
    """What the device profile is keyed by: the GPU's name, or the CPU threads torch uses."""
    worker = warm_worker()
    return worker.describe(gpu.device, gpu.threads)[1] if worker else gpu.describe()
