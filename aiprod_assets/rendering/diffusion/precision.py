"""The policy's quantization as diffusers loads a pipeline: a torch dtype, and for Q8/Q4 a quantization
config (bitsandbytes, which diffusers supports on CUDA) for the transformer, the bulk of the weights."""

from __future__ import annotations

from dataclasses import dataclass

from aiprod_assets.failures import ShotFatalError

DTYPES = {"FP32": "float32", "FP16": "float16", "BF16": "bfloat16", "Q8": "bfloat16", "Q4": "bfloat16"}
BITSANDBYTES = {"Q8": "bitsandbytes_8bit", "Q4": "bitsandbytes_4bit"}


@dataclass(frozen=True)
class Precision:
    dtype: str  # a torch dtype's name
    quant_backend: str | None = None
    note: str = ""


def precision_for(quantization: str, device_type: str) -> Precision:
    if quantization not in DTYPES:
        raise ShotFatalError(f"quantization {quantization!r} not allowed; one of {', '.join(DTYPES)}")
    if quantization in BITSANDBYTES:
        if device_type != "cuda":
            raise ShotFatalError(f"{quantization} runs through bitsandbytes, which needs a CUDA device; this one is "
                                 f"{device_type}: set the policy's quantization to FP32, BF16 or FP16")
        return Precision(DTYPES[quantization], BITSANDBYTES[quantization])
    if quantization == "FP16" and device_type == "cpu":
        # CPUs have no fast half-precision kernels, and some diffusers ops refuse float16 on them.
        return Precision("float32", note="FP16 asked on a CPU device: computed in FP32")
    return Precision(DTYPES[quantization])


def quantization_config(precision: Precision):
    if precision.quant_backend is None:
        return None
    from diffusers import PipelineQuantizationConfig

    return PipelineQuantizationConfig(quant_backend=precision.quant_backend,
                                      quant_kwargs={"load_in_8bit": True} if "8bit" in precision.quant_backend
                                      else {"load_in_4bit": True}, components_to_quantize=["transformer"])
