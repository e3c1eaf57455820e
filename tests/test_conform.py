"""Conforming a provider's clip: size, rate, length and sound brought to the profile, so QA passes."""

import numpy as np

from aiprod_assets.media.decode import audio_samples, video_frames
from aiprod_assets.media.loudness import integrated_loudness
from aiprod_assets.media.probe import probe
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.qa.technical import Expectations, check_file
from aiprod_assets.rendering.providers.conform import conform_clip
from tests.support.media_fixtures import make_clip
from tests.support.provider_fixtures import PROFILE, provider_shot


def _failures(path, profile, frames):
    checks = check_file(path, Expectations(profile, target_duration_sec=frames / profile.fps))
    return [(c.id, c.measured) for c in checks if not c.passed]


def test_a_24fps_larger_silent_clip_is_conformed_and_passes_technical_qa(tmp_path):
    source = make_clip(tmp_path / "source.mp4", width=960, height=540, fps=24, audio=False, seconds=4)
    shot = provider_shot(frames=75)
    out = tmp_path / "conformed.mp4"
    report = conform_clip(source, out, shot, PROFILE, "job s01-01", "aiprod job job shot s01-01")
    assert _failures(source, PROFILE, 75)  # the provider's file fails the gate as it is
    assert _failures(out, PROFILE, 75) == []
    media = probe(out)
    assert (media.width, media.height) == (640, 360)
    assert sum(1 for _ in video_frames(out)) == 75
    assert abs(integrated_loudness(audio_samples(out)) - PROFILE.loudness_lufs) < 1.0
    assert report.source.average_fps == 24 and report.source.audio_codec is None
    assert any("audio bed" in a for a in report.actions) and any("trimmed" in a for a in report.actions)
    assert any("24 to 30 fps" in a for a in report.actions)


def test_a_square_profile_letterboxes_a_wide_clip(tmp_path):
    square = render_profile("360p", "1:1", 30)
    source = make_clip(tmp_path / "wide.mp4", width=640, height=360, fps=30, seconds=2)
    out = tmp_path / "square.mp4"
    conform_clip(source, out, provider_shot(frames=45), square, "t", "c")
    assert _failures(out, square, 45) == []
    frame = next(iter(video_frames(out)))
    luma = frame[:square.height].astype(float)
    assert luma[:40].mean() < 20 and luma[-40:].mean() < 20  # black bars above and below
    assert luma[square.height // 2].mean() > 40


def test_a_clip_shorter_than_the_shot_is_slowed_to_fill_it(tmp_path):
    source = make_clip(tmp_path / "short.mp4", width=640, height=360, fps=30, seconds=2)
    out = tmp_path / "filled.mp4"
    report = conform_clip(source, out, provider_shot(frames=120), PROFILE, "t", "c")
    assert any("slowed" in a for a in report.actions)
    frames = list(video_frames(out))
    assert len(frames) == 120
    # Every source frame shows twice: within a pair only the encoder's noise differs, across pairs the picture.
    def change(a, b):
        return float(np.abs(frames[a][:PROFILE.height].astype(float) - frames[b][:PROFILE.height]).mean())

    within, across = np.mean([change(i, i + 1) for i in range(10, 40, 2)]), np.mean(
        [change(i + 1, i + 2) for i in range(10, 40, 2)])
    assert within * 3 < across
    # Its own sound covers less than the shot, so the bed replaces it.
    assert any("audio bed" in a for a in report.actions)
