"""How fast previz renders on a device: a few short sample clips drawn and encoded there, timed, and
fitted to seconds = per clip + frames x (per frame + megapixels x per megapixel-frame).

Two sizes and two lengths separate the three terms: the set-up every clip pays (scene, audio bed,
opening and closing the encoder), the cost of a frame whatever its size, and the cost of its pixels.
Each sample is rendered twice and the faster time kept, because a busy machine only ever adds time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from aiprod_assets.backends import PREVIZ_VERSION
from aiprod_assets.contracts import (
    DeviceProfile,
    RenderProfile,
    Shot,
    ShotSpec,
    TimedSample,
)
from aiprod_assets.media.encode import choose_encoder
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from aiprod_assets.work_folders import work_folder

SAMPLE_FRAMES = (12, 60)  # the long one as long as a typical shot: less to extrapolate
REPEATS = 2


def sample_shot(frames: int, fps: int) -> Shot:
    """A typical shot: a moving camera, a character, a graded palette."""
    spec = ShotSpec(prompt="A keeper climbs the stairs of a lighthouse at dusk.", duration_sec=frames / fps,
                    frames=frames, camera_move="dolly", lighting="low-key", mood="melancholic",
                    palette=["#1B2A41", "#F2A65A", "#E8E1D9"], caption="device profile", characters=["Keeper"])
    return Shot(shot_id="s01-01", scene_id="s01", index=0, spec=spec, seed=7, backend="previz",
                backend_version=PREVIZ_VERSION, spec_hash="0" * 64)


def _time_once(device, profile: RenderProfile, frames: int, folder: Path) -> float:
    return render_previz_clip("device-profile", sample_shot(frames, profile.fps), profile, folder / "sample.mp4",
                              device)


def fit_timing(samples: list[TimedSample]) -> tuple[float, float, float]:
    """(seconds per clip, per frame, per megapixel-frame), none negative, by least squares."""
    from scipy.optimize import (
        nnls,  # here: importing scipy costs every process's start a second
    )

    design = np.array([[1.0, s.frames, s.frames * s.width * s.height / 1e6] for s in samples])
    seconds = np.array([s.seconds for s in samples])
    coefficients, _ = nnls(design, seconds)
    return float(coefficients[0]), float(coefficients[1]), float(coefficients[2])


def measure_device_profile(device, device_name: str, profiles: list[RenderProfile]) -> DeviceProfile:
    """Time previz on ``device`` at each of ``profiles`` (at least two sizes) and both sample lengths."""
    with work_folder("timing") as folder:
        warm_up = _time_once(device, profiles[0], SAMPLE_FRAMES[0], folder)
        samples = []
        for profile in profiles:
            for frames in SAMPLE_FRAMES:
                seconds = min(_time_once(device, profile, frames, folder) for _ in range(REPEATS))
                samples.append(TimedSample(width=profile.width, height=profile.height, frames=frames,
                                           seconds=round(seconds, 6)))
    per_clip, per_frame, per_megapixel_frame = fit_timing(samples)
    steady = next(s.seconds for s in samples if s.width == profiles[0].width and s.frames == SAMPLE_FRAMES[0])
    return DeviceProfile(
        device=device_name, device_type="cuda" if device.type == "cuda" else "cpu",
        renderer_version=PREVIZ_VERSION, encoder=choose_encoder(device.type),
        seconds_per_clip=round(per_clip, 6), seconds_per_frame=round(per_frame, 8),
        seconds_per_megapixel_frame=round(per_megapixel_frame, 8),
        warm_up_seconds=round(max(0.0, warm_up - steady), 6), samples=samples,
        measured_at=datetime.now(UTC).isoformat(timespec="seconds"))
