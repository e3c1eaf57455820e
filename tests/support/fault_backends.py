"""Render backends for tests: a real previz render behind a script of injected faults."""

import os
import signal
from pathlib import Path

from aiprod_assets.failures import RetryableRenderError, ShotFatalError
from aiprod_assets.rendering.backend import RenderRequest, RenderResult
from aiprod_assets.rendering.previz.backend import PrevizBackend
from resources.render_backends import RenderBackends

# Retryable faults: (message, Retry-After seconds).
RETRYABLE = {"timeout": ("timed out after 30s", None), "rate_limit": ("429 Too Many Requests", 5),
             "rate_limit_1s": ("429 Too Many Requests", 1), "server_error": ("503 Service Unavailable", None),
             "network": ("connection reset by peer", None), "oom": ("CUDA out of memory", None)}


class FaultInjectingBackend:
    """Plays ``faults`` one per call ("timeout", "rate_limit", "server_error", "policy", "corrupt", "ok");
    past the script every call renders. Each call appends the shot id to ``counter_file``; with
    ``crash_after`` the process kills itself with SIGKILL when asked for one more render than that."""

    def __init__(self, name: str, inner=None, faults=(), counter_file: str | None = None, crash_after: int = 0,
                 version: str = "fault-1", charge_usd: float = 0.02):
        self.name, self.version, self.inner = name, version, inner
        self.faults = list(faults)
        self.counter_file = counter_file
        self.crash_after = crash_after
        self.calls: list[str] = []
        self.charge_usd = charge_usd

    def render(self, request: RenderRequest) -> RenderResult:
        if self.crash_after and len(self.calls) >= self.crash_after:
            os.kill(os.getpid(), signal.SIGKILL)
        self.calls.append(request.shot.shot_id)
        if self.counter_file:
            with open(self.counter_file, "a") as handle:
                handle.write(f"{request.shot.shot_id}\n")
        fault = self.faults.pop(0) if self.faults else "ok"
        if fault in RETRYABLE:
            message, retry_after = RETRYABLE[fault]
            raise RetryableRenderError(message, retry_after_sec=retry_after)
        if fault == "policy":
            raise ShotFatalError("refused by content policy")
        if fault == "black":
            # A real render of a picture that is all but black: a clip that fails QA.
            spec = request.shot.spec.model_copy(update={"palette": ["#000000", "#020202", "#040404"],
                                                        "lighting": "night"})
            request = RenderRequest(request.job_id, request.shot.model_copy(update={"spec": spec}),
                                    request.profile, request.out_path)
            fault = "ok"
        if fault in ("flash", "dropout"):
            # A clip of the right size and length with one broadcast fault: 6 Hz full-field flashing, or a
            # quarter-second hole in the sound.
            from tests.support.media_fixtures import broadcast_fault_clip

            broadcast_fault_clip(Path(request.out_path), request.profile, request.shot.spec.frames, fault)
            return RenderResult(render_seconds=0.01, device="test", charged_usd=self.charge_usd)
        if fault == "corrupt":
            Path(request.out_path).write_bytes(b"\x00\x00\x00\x18ftypisom" + os.urandom(256))
            return RenderResult(render_seconds=0.01, device="test", charged_usd=0.01)
        if self.inner is None:
            raise AssertionError(f"{self.name}: no renderer behind the fault script")
        result = self.inner.render(request)
        return RenderResult(render_seconds=result.render_seconds, device=result.device, charged_usd=self.charge_usd,
                            provider_task_id=f"{self.name}-{request.shot.shot_id}-{len(self.calls)}")


class FaultyBackends(RenderBackends):
    """The render_backends resource with every backend behind a counting, optionally crashing, fault script."""

    counter_file: str
    crash_after: int = 0
    fault: str = "ok"  # played on every call, or on the first ``fault_renders``
    fault_renders: int = 1000

    def custom_backend(self, name: str):
        return FaultInjectingBackend(name, inner=PrevizBackend(self.gpu.torch_device()),
                                     faults=[self.fault] * self.fault_renders,
                                     counter_file=self.counter_file, crash_after=self.crash_after,
                                     version="previz-1")


def render_calls(counter_file: str | Path) -> list[str]:
    path = Path(counter_file)
    return path.read_text().split() if path.exists() else []
