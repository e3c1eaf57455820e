"""The final cut: the clips in shot order, one MP4 to the same profile, audio continuous."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aiprod_assets.contracts import RenderProfile, Shot
from aiprod_assets.media.decode import audio_samples, video_frames
from aiprod_assets.media.encode import ClipWriter
from aiprod_assets.media.loudness import normalize_loudness

CROSSFADE_SEC = 0.5


def crossfade_frames(profile: RenderProfile, shot_frames: int) -> int:
    return max(1, min(int(CROSSFADE_SEC * profile.fps), shot_frames // 2))


def assemble_final_cut(clips: list[tuple[Shot, Path]], profile: RenderProfile, out_path: Path, title: str,
                       comment: str, encoder: str = "libx264") -> int:
    """Write the cut; return its frame count.

    A crossfade dissolves from the last frame of the previous shot into the new
    shot over its first frames, so the cut keeps the exact length of its shots.
    """
    rate = profile.audio_sample_rate
    beds = []
    for shot, path in clips:
        expected = shot.spec.frames * rate // profile.fps
        samples = audio_samples(path, rate)[:, :expected]
        beds.append(np.pad(samples, ((0, 0), (0, expected - samples.shape[1]))))
    audio = normalize_loudness(np.concatenate(beds, axis=1), profile.loudness_lufs, profile.true_peak_dbtp)
    written = 0
    with ClipWriter(out_path, profile, title, comment, audio, encoder=encoder) as writer:
        previous_last: np.ndarray | None = None
        for shot, path in clips:
            fade = crossfade_frames(profile, shot.spec.frames) if shot.transition_in == "crossfade" else 0
            frame = None
            for index, frame in enumerate(video_frames(path)):
                if index >= shot.spec.frames:
                    break
                if previous_last is not None and index < fade:
                    weight = (index + 1) / (fade + 1)
                    frame = (frame * weight + previous_last * (1 - weight) + 0.5).astype(np.uint8)
                writer.write_video(frame)
                written += 1
            previous_last = frame
    return written
