"""Per-shot, content-addressed, resumable rendering of a job's clips (DESIGN.md §3).

A clip is reused only when its sidecar's spec_hash matches the shot and the stored
file's sha256 matches the sidecar. The clip is stored before its sidecar, both
atomically, so a crash at any moment leaves either a finished clip or a re-render.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiprod_assets.canonical import pretty_json
from aiprod_assets.contracts import ClipRecord, PricingTable, Shot, ShotList
from aiprod_assets.costing.pricing import gpu_usd_per_second
from aiprod_assets.planning.shots import compute_spec_hash
from aiprod_assets.rendering.backend import RenderBackend, RenderRequest, RetryableRenderError
from aiprod_assets.rendering.retry import Attempt, RetryPolicy, render_with_fallback


class ClipStore(Protocol):
    def put_bytes(self, key: str, data: bytes) -> str: ...
    def put_file(self, key: str, path: str | Path) -> str: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def uri(self, key: str) -> str: ...


def clip_key(job_id: str, shot_id: str, spec_hash: str) -> str:
    return f"jobs/{job_id}/clips/{shot_id}-{spec_hash[:12]}.mp4"


def sidecar_key(job_id: str, shot_id: str, spec_hash: str) -> str:
    return clip_key(job_id, shot_id, spec_hash).removesuffix(".mp4") + ".json"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_clip(request: RenderRequest) -> None:
    """A backend's output is taken only if it demuxes with the shot's duration within a frame."""
    import av

    path = Path(request.out_path)
    if not path.is_file() or path.stat().st_size == 0:
        raise RetryableRenderError(f"{request.shot.shot_id}: backend wrote no file")
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            frames = sum(1 for packet in container.demux(stream) if packet.size)
    except (av.FFmpegError, IndexError) as err:
        raise RetryableRenderError(f"{request.shot.shot_id}: output is not a readable MP4 ({err})") from err
    if abs(frames - request.shot.spec.frames) > 1:
        raise RetryableRenderError(f"{request.shot.shot_id}: output has {frames} frames, "
                                   f"expected {request.shot.spec.frames}")


@dataclass
class ClipRenderer:
    job_id: str
    shot_list: ShotList
    chain: list[RenderBackend]
    store: ClipStore
    pricing: PricingTable
    gpu_model: str
    retry: RetryPolicy = RetryPolicy()
    sleep: Callable[[float], None] | None = None
    on_progress: Callable[[str], None] = lambda message: None

    def spec_hash_for(self, shot: Shot, backend: RenderBackend) -> str:
        return compute_spec_hash(shot.spec, shot.seed, backend.name, backend.version, self.shot_list.profile)

    def reusable(self, shot: Shot) -> ClipRecord | None:
        for backend in self.chain:
            spec_hash = self.spec_hash_for(shot, backend)
            key = sidecar_key(self.job_id, shot.shot_id, spec_hash)
            if not self.store.exists(key):
                continue
            record = ClipRecord.model_validate_json(self.store.get_bytes(key))
            clip = clip_key(self.job_id, shot.shot_id, spec_hash)
            if (record.spec_hash == spec_hash and self.store.exists(clip)
                    and hashlib.sha256(self.store.get_bytes(clip)).hexdigest() == record.sha256):
                return record.model_copy(update={"reused": True, "render_seconds": 0.0, "actual_cost_usd": 0.0})
        return None

    def device_cost(self, seconds: float, device: str) -> float:
        gpu = "CPU" if device.startswith("cpu") else self.gpu_model
        return seconds * gpu_usd_per_second(self.pricing, gpu)

    def render_shot(self, shot: Shot, workdir: Path) -> ClipRecord:
        requests: dict[str, RenderRequest] = {}

        def request_for(backend: RenderBackend) -> RenderRequest:
            out = workdir / f"{shot.shot_id}-{backend.name}.mp4"
            out.unlink(missing_ok=True)
            requests[backend.name] = RenderRequest(job_id=self.job_id, shot=shot, profile=self.shot_list.profile,
                                                   out_path=out)
            return requests[backend.name]

        def report(attempt: Attempt) -> None:
            if attempt.error:
                self.on_progress(f"shot {shot.shot_id}: {attempt.backend} attempt {attempt.number} failed: "
                                 f"{attempt.error}")

        kwargs = {"sleep": self.sleep} if self.sleep else {}
        rendered = render_with_fallback(self.chain, request_for, self.retry, on_attempt=report,
                                        verify=verify_clip, **kwargs)
        backend = next(b for b in self.chain if b.name == rendered.backend)
        spec_hash = self.spec_hash_for(shot, backend)
        out = requests[backend.name].out_path
        key = clip_key(self.job_id, shot.shot_id, spec_hash)
        uri = self.store.put_file(key, out)
        result = rendered.result
        cost = result.charged_usd if result.charged_usd is not None else self.device_cost(result.render_seconds,
                                                                                         result.device)
        record = ClipRecord(
            shot_id=shot.shot_id, uri=uri, sha256=file_sha256(out), spec_hash=spec_hash,
            duration_sec=shot.spec.duration_sec, backend=rendered.backend, attempts=len(rendered.attempts),
            render_seconds=round(result.render_seconds, 4), actual_cost_usd=round(cost, 8), reused=False,
            provider_task_id=result.provider_task_id)
        self.store.put_bytes(sidecar_key(self.job_id, shot.shot_id, spec_hash), pretty_json(record).encode())
        return record

    def render_all(self) -> list[ClipRecord]:
        records = []
        total = len(self.shot_list.shots)
        with tempfile.TemporaryDirectory(prefix=f"aiprod-{self.job_id}-") as tmp:
            for n, shot in enumerate(self.shot_list.shots, start=1):
                record = self.reusable(shot)
                if record is None:
                    record = self.render_shot(shot, Path(tmp))
                    self.on_progress(f"shot {n}/{total} {shot.shot_id}: rendered by {record.backend} in "
                                     f"{record.render_seconds:.2f}s, ${record.actual_cost_usd:.6f}")
                else:
                    self.on_progress(f"shot {n}/{total} {shot.shot_id}: reused {record.uri}")
                records.append(record)
        return records
