"""The torch device renders run on: CUDA when present, else the CPU."""

import dagster as dg
from pydantic import Field

from aiprod_assets.media.torch_device import (
    DEFAULT_SETTING,
    DEFAULT_THREADS,
    describe_device,
    resolve_device,
)


class TorchDevice(dg.ConfigurableResource):
    """Selects the torch device for rendering; torch is imported only when a render asks for it."""

    device: str = Field(default=DEFAULT_SETTING,
                        description="auto (CUDA when available, else CPU), cpu, cuda or cuda:N")
    threads: int = Field(default=DEFAULT_THREADS, ge=0, description="CPU threads for torch; 0 keeps torch's default")

    def torch_device(self):
        return resolve_device(self.device, self.threads)

    def describe(self) -> str:
        return describe_device(self.torch_device())
