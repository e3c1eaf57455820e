"""The previz renderer: deterministic frames, legal levels, moves that move, the profile on disk."""

import numpy as np
import pytest
import torch

from aiprod_assets.media.decode import audio_samples, video_frames
from aiprod_assets.media.loudness import integrated_loudness, true_peak_dbtp
from aiprod_assets.media.probe import moov_before_mdat, probe
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.previz.audio import audio_bed
from aiprod_assets.rendering.previz.renderer import render_previz_clip
from aiprod_assets.rendering.previz.scene import PrevizScene
from tests.support.shots import make_shot

CPU = torch.device("cpu")




def luma(frame, profile):
    return frame[:profile.height].astype(np.float64)


def test_same_seed_same_frames_other_seed_other_frames():
    profile = render_profile("360p")
    shot = make_shot()
    a, b = PrevizScene(shot.spec, profile, shot.seed, CPU), PrevizScene(shot.spec, profile, shot.seed, CPU)
    assert all(np.array_equal(a.frame(i), b.frame(i)) for i in (0, 15, 29))
    other = PrevizScene(shot.spec, profile, shot.seed + 1, CPU)
    assert not np.array_equal(a.frame(15), other.frame(15))


def test_frames_are_yuv420p_in_legal_range_and_not_frozen():
    profile = render_profile("360p")
    scene = PrevizScene(make_shot(move="static").spec, profile, 5, CPU)
    first, last = scene.frame(0), scene.frame(29)
    assert first.shape == (profile.height * 3 // 2, profile.width) and first.dtype == np.uint8
    y = luma(first, profile)
    assert ((y >= 16) & (y <= 235)).mean() >= 0.99
    assert np.abs(luma(last, profile) - y).mean() > 0.5  # clouds drift and grain moves even on a static shot


def _shift(a, b):
    """Global translation of b against a by phase correlation, above the (static) caption."""
    a, b = a[: int(a.shape[0] * 0.8)], b[: int(b.shape[0] * 0.8)]
    window = np.outer(np.hanning(a.shape[0]), np.hanning(a.shape[1]))
    a, b = a * window, b * window
    fa, fb = np.fft.fft2(a - a.mean()), np.fft.fft2(b - b.mean())
    corr = np.fft.ifft2(fa * np.conj(fb) / (np.abs(fa * np.conj(fb)) + 1e-9)).real
    dy, dx = np.unravel_index(np.argmax(corr), corr.shape)
    h, w = a.shape
    return (dy - h if dy > h // 2 else dy), (dx - w if dx > w // 2 else dx)


@pytest.mark.parametrize("move,axis", [("pan", 1), ("tilt", 0)])
def test_camera_move_shifts_the_picture_along_its_axis(move, axis):
    profile = render_profile("360p")
    scene = PrevizScene(make_shot(move=move, frames=60).spec, profile, 3, CPU)
    shift = _shift(luma(scene.frame(25), profile), luma(scene.frame(35), profile))
    assert abs(shift[axis]) >= 2 and abs(shift[axis]) > abs(shift[1 - axis])


def test_zoom_in_magnifies():
    profile = render_profile("360p")
    scene = PrevizScene(make_shot(move="zoom_in", frames=60).spec, profile, 3, CPU)
    edges = [np.abs(np.diff(luma(scene.frame(i), profile), axis=1)).mean() for i in (0, 59)]
    assert edges[1] < edges[0]  # the same detail spread over more pixels


@pytest.mark.parametrize("mood,prompt", [("melancholic", "A storm rolls in."), ("joyful", "Kids play."),
                                         ("tense", "A chase at night.")])
def test_audio_bed_meets_loudness_and_true_peak(mood, prompt):
    profile = render_profile("360p")
    bed = audio_bed(make_shot(frames=90, mood=mood, prompt=prompt).spec, profile, 9)
    assert bed.shape == (2, 3 * 48_000)
    assert abs(integrated_loudness(bed) + 23) <= 0.5
    assert true_peak_dbtp(bed) <= -1


def test_rendered_clip_probes_as_the_profile_says(tmp_path):
    profile = render_profile("360p", fps=25)
    shot = make_shot(frames=50)
    out = tmp_path / "clip.mp4"
    render_previz_clip("probe-job", shot, profile, out, CPU)
    info = probe(out)
    assert (info.video_codec, info.h264_profile, info.pix_fmt) == ("h264", "High", "yuv420p")
    assert (info.width, info.height, info.average_fps, info.frame_count) == (640, 360, 25.0, 50)
    assert info.constant_frame_rate and set(info.keyframe_interval_frames) <= {profile.gop_frames}
    assert 2_000_000 <= info.video_bitrate_bps <= 8_000_000
    assert (info.color_primaries, info.color_trc, info.colorspace, info.color_range) == ("bt709",) * 3 + ("tv",)
    assert (info.audio_codec, info.audio_profile, info.audio_sample_rate, info.audio_channels) == ("aac", "LC", 48000, 2)
    assert abs(info.audio_duration_sec - 2.0) < 0.05 and moov_before_mdat(info.top_level_atoms)
    assert info.metadata["title"] == "probe-job s01-01" and "spec " + "0" * 64 in info.metadata["comment"]
    decoded = list(video_frames(out))
    assert len(decoded) == 50
    assert abs(integrated_loudness(audio_samples(out)) + 23) <= 1
