"""The torch device a setting names (auto, cpu, cuda, cuda:N) and how it is described; torch is imported
only when a device is asked for. The deployment's gpu resource and the device worker both resolve with this."""

from __future__ import annotations

import re

DEVICE_SETTING = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")
# The gpu resource's defaults, which the CLI's definitions keep.
DEFAULT_SETTING = "auto"
DEFAULT_THREADS = 0


def resolve_device(setting: str, threads: int = 0):
    """The torch.device for ``setting``; ``threads`` (when not 0) is the CPU threads torch may use."""
    import torch

    if not DEVICE_SETTING.fullmatch(setting):
        raise ValueError(f"device {setting!r} is not allowed: auto, cpu, cuda or cuda:N")
    if threads:
        torch.set_num_threads(threads)
    if setting == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    chosen = torch.device(setting)
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {setting!r} was asked for but torch sees no CUDA device")
    return chosen


def describe_device(device) -> str:
    """What a device profile is keyed by: the GPU's name, or the CPU threads torch uses."""
    import torch

    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"
