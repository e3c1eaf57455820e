"""The torch device renders run on: CUDA when present, else the CPU."""

import re

import dagster as dg
from pydantic import Field

_DEVICE = re.compile(r"^(auto|cpu|cuda(:\d+)?)$")


class TorchDevice(dg.ConfigurableResource):
    """Selects the torch device for rendering; torch is imported only when a render asks for it."""

    device: str = Field(default="auto", description="auto (CUDA when available, else CPU), cpu, cuda or cuda:N")
    threads: int = Field(default=0, ge=0, description="CPU threads for torch; 0 keeps torch's default")

    def torch_device(self):
        import torch

        if not _DEVICE.fullmatch(self.device):
            raise ValueError(f"device {self.device!r} is not allowed: auto, cpu, cuda or cuda:N")
        if self.threads:
            torch.set_num_threads(self.threads)
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        chosen = torch.device(self.device)
        if chosen.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"device {self.device!r} was asked for but torch sees no CUDA device")
        return chosen

    def describe(self) -> str:
        import torch

        device = self.torch_device()
        if device.type == "cuda":
            return f"{device} ({torch.cuda.get_device_name(device)})"
        return f"cpu ({torch.get_num_threads()} threads)"
