"""A self-hosted open text-to-video model as a render backend: diffusers on the injected GPU resource.

The model (Wan 2.1 T2V 1.3B by default; see docs/self-hosted-model.md) draws the shot at its own size and
frame rate from the shot's prompt, with a generator seeded from the shot's seed; the clip then goes through
the same conform step as a provider's, to the render profile with its audio bed. The cost is the GPU
seconds it took, priced by the caller at the policy's GPU rate, like previz.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from aiprod_assets.backends import backend_version
from aiprod_assets.failures import RetryableRenderError
from aiprod_assets.rendering.backend import RenderRequest, RenderResult, clip_metadata
from aiprod_assets.rendering.diffusion.pipeline import load_pipeline
from aiprod_assets.rendering.diffusion.precision import precision_for
from aiprod_assets.rendering.providers.conform import conform_clip


@dataclass(frozen=True)
class DiffusionOptions:
    model: str  # a local folder, or a repo id in the Hugging Face cache
    width: int = 832
    height: int = 480
    fps: int = 16
    steps: int = 30
    guidance_scale: float = 5.0
    negative_prompt: str = "blurry, low quality, distorted, watermark, text"
    max_sequence_length: int = 226
    offload: str = "auto"


def frames_for(seconds: float, fps: int) -> int:
    """Wan's video VAE takes 4k + 1 frames: the fewest of those that cover the shot."""
    needed = max(5, math.ceil(seconds * fps))
    return 4 * math.ceil((needed - 1) / 4) + 1


def write_source(frames: np.ndarray, fps: int, path: Path) -> None:
    """The model's frames (float 0..1, N x H x W x 3) as a near-lossless H.264 file, the conform step's input."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = frames.shape[2] // 2 * 2, frames.shape[1] // 2 * 2
        stream.pix_fmt, stream.options = "yuv420p", {"crf": "12", "preset": "veryfast"}
        for rgb in (frames.clip(0, 1) * 255 + 0.5).astype(np.uint8):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:stream.height, :stream.width]),
                                               format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


class DiffusionBackend:
    name = "wan"

    def __init__(self, options: DiffusionOptions, device, quantization: str, encoder: str = "libx264"):
        self.options, self.device, self.quantization, self.encoder = options, device, quantization, encoder
        self.version = backend_version(self.name)

    def generate(self, shot) -> tuple[np.ndarray, tuple[str, ...]]:
        """The model's frames for the shot (float 0..1, N x H x W x 3), and notes on how it ran."""
        import torch

        options = self.options
        pipe, notes = load_pipeline(options.model, precision_for(self.quantization, self.device.type),
                                    self.device, options.offload)
        # A CPU generator: the same seed gives the same video on any device and with offloading.
        generator = torch.Generator("cpu").manual_seed(shot.seed % 2**63)
        try:
            output = pipe(prompt=shot.spec.prompt, negative_prompt=options.negative_prompt, height=options.height,
                          width=options.width, num_frames=frames_for(shot.spec.duration_sec, options.fps),
                          num_inference_steps=options.steps, guidance_scale=options.guidance_scale,
                          generator=generator, output_type="np", max_sequence_length=options.max_sequence_length)
        except torch.cuda.OutOfMemoryError as err:
            raise RetryableRenderError(f"CUDA out of memory on {self.device}") from err
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        return np.asarray(output.frames[0], dtype=np.float32), notes

    def render(self, request: RenderRequest) -> RenderResult:
        started = time.perf_counter()
        shot = request.shot
        frames, notes = self.generate(shot)
        source = Path(request.out_path).with_suffix(".source.mp4")
        write_source(frames, self.options.fps, source)
        title, comment = clip_metadata(request.job_id, shot, self.version, request.profile.name)
        report = conform_clip(source, Path(request.out_path), shot, request.profile, title, comment,
                              encoder=self.encoder, measure=request.measure_pictures)
        return RenderResult(render_seconds=time.perf_counter() - started, device=str(self.device),
                            source_path=source, notes=(*notes, *report.actions), encoded=report.encoded)
