"""Shared pieces of the provider tests: a shot, a provider's off-profile MP4, backends on local servers."""

from __future__ import annotations

from pathlib import Path

from aiprod_assets.contracts import Shot, ShotSpec
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.backend import RenderRequest
from aiprod_assets.rendering.providers.rate_limit import RateLimiter
from aiprod_assets.rendering.providers.remote import PollingLimits, RemoteBackend
from aiprod_assets.rendering.providers.replicate_models import ReplicateAdapter
from aiprod_assets.rendering.providers.runway import RunwayAdapter
from aiprod_assets.rendering.providers.tasks import TaskJournal
from aiprod_assets.rendering.providers.veo import VeoAdapter
from tests.support.media_fixtures import make_clip

PROFILE = render_profile("360p", "16:9", 30)
FAST_POLLING = PollingLimits(poll_interval_sec=0.02, timeout_sec=30.0)


def provider_shot(frames: int = 75, seed: int = 7, shot_id: str = "s01-01") -> Shot:
    spec = ShotSpec(prompt="A lighthouse on a cliff at dusk.", duration_sec=frames / 30, frames=frames,
                    camera_move="static", lighting="low-key", palette=["#1B2A41", "#F2A65A", "#E8E1D9"],
                    mood="melancholic", caption="01 s01-01 A lighthouse")
    return Shot(shot_id=shot_id, scene_id="s01", index=0, spec=spec, seed=seed, backend="runway",
                backend_version="gen4.5", spec_hash="0" * 64)


def provider_video(folder: Path, seconds: float = 4.0) -> bytes:
    """What a provider sends: 24 fps, 960x540, no audio track."""
    path = make_clip(Path(folder) / f"provider-{seconds:g}s.mp4", width=960, height=540, fps=24, audio=False,
                     seconds=seconds)
    return path.read_bytes()


def adapter_for(name: str, base_url: str):
    if name == "veo":
        return VeoAdapter(model="veo-3.0-generate-001", api_key="test-veo-key", base_url=base_url)
    if name == "runway":
        return RunwayAdapter(model="gen4.5", api_key="test-runway-key", base_url=base_url)
    return ReplicateAdapter(model="minimax/video-01", api_token="test-replicate-key", base_url=base_url)


def remote_backend(name: str, base_url: str, store, limits: PollingLimits = FAST_POLLING, **kwargs) -> RemoteBackend:
    return RemoteBackend(adapter_for(name, base_url), TaskJournal(store), RateLimiter(1000), limits, **kwargs)


def request_for(tmp_path: Path, shot: Shot, backend: str = "x", job_id: str = "provider-job") -> RenderRequest:
    return RenderRequest(job_id=job_id, shot=shot, profile=PROFILE, out_path=Path(tmp_path) / f"{shot.shot_id}-{backend}.mp4",
                         spec_hash=f"{backend}-{shot.seed}")
