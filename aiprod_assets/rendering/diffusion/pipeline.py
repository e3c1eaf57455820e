"""Loading a diffusers text-to-video pipeline once per process: from a local folder or the Hugging Face
cache only (never the network), at the policy's precision, offloaded to the CPU when the GPU is short."""

from __future__ import annotations

import threading
from pathlib import Path

from aiprod_assets.failures import ShotFatalError
from aiprod_assets.rendering.diffusion.precision import Precision, quantization_config

_PIPELINES: dict[tuple, object] = {}
_LOCK = threading.Lock()
# Below this much free GPU memory, the pipeline's models take turns on the GPU (enable_model_cpu_offload).
DEFAULT_OFFLOAD_BELOW_GB = 24.0


def _free_gb(device) -> float:
    import torch

    free, _ = torch.cuda.mem_get_info(device)
    return free / 2**30


def load_pipeline(model: str, precision: Precision, device, offload: str = "auto",
                  offload_below_gb: float = DEFAULT_OFFLOAD_BELOW_GB):
    """(pipeline, notes). ``model``: a folder saved with save_pretrained, or a Hugging Face repo id already in
    the local cache. ``offload``: auto (when free GPU memory is short), on, off."""
    key = (model, precision, str(device), offload)
    with _LOCK:
        if key in _PIPELINES:
            return _PIPELINES[key]
        import torch
        from diffusers import DiffusionPipeline

        notes = [precision.note] if precision.note else []
        try:
            pipe = DiffusionPipeline.from_pretrained(
                model, dtype=getattr(torch, precision.dtype), local_files_only=True,
                quantization_config=quantization_config(precision))
        except (OSError, ValueError) as err:
            where = "folder" if Path(model).exists() else "Hugging Face cache entry"
            raise ShotFatalError(f"diffusers could not load {model!r} from its {where} (weights are never "
                                 f"downloaded here: fetch them first, e.g. `hf download {model}`): {err}") from err
        offloaded = device.type == "cuda" and (offload == "on" or (
            offload == "auto" and _free_gb(device) < offload_below_gb))
        if offloaded:
            pipe.enable_model_cpu_offload(device=device)
            notes.append("GPU memory short: models offloaded to the CPU between uses")
        else:
            pipe.to(device)
        pipe.set_progress_bar_config(disable=True)
        _PIPELINES[key] = (pipe, tuple(notes))
        return _PIPELINES[key]
