"""Broadcast-grade checks on files the tests make: lip-sync offset, photosensitive flashes, audio dropouts
and clipping, each just over and just under its limit."""

from fractions import Fraction

import av
import numpy as np
import pytest
from scipy.ndimage import minimum_filter1d

from aiprod_assets.media.loudness import integrated_loudness
from aiprod_assets.media.planes import plane
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.qa.broadcast import FlashMeter, flash_grids, flash_windows
from aiprod_assets.qa.frame_stats import stats_bytes, stats_from_bytes
from aiprod_assets.qa.scan import scan
from aiprod_assets.qa.technical import Expectations, check_file
from tests.support.media_fixtures import PROFILE, _audio, make_clip

W, H = PROFILE.width, PROFILE.height
NTSC_FILM = Fraction(24000, 1001)


def judged(path, profile=PROFILE):
    return {c.id: c for c in check_file(path, Expectations(profile, None))}


def flat(luma: float, cr: float = 128.0):
    """A whole-screen picture of one luma (and Cr) level, grain on top so frames differ."""
    def picture(index, rng):
        y = np.clip(luma + rng.integers(-2, 3, (H, W)), 16, 235)
        return np.concatenate([y.ravel(), np.full(H * W // 4, 128.0), np.full(H * W // 4, cr)]).reshape(H * 3 // 2, W)
    return picture


def flashing(hz: float, fps, bright=flat(235), dark=flat(16)):
    def picture(index, rng):
        return (bright if int(2 * hz * index / float(fps)) % 2 == 0 else dark)(index, rng)
    return picture


# --- lip-sync ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("shift", "passes"), [
    ({"audio_delay_sec": 0.07}, True),     # about 48 ms late once the encoder's priming is counted
    ({"audio_delay_sec": 0.09}, False),    # about 69 ms late: over EBU R37's 60 ms
    ({"video_delay_frames": 1}, True),     # sound 33 ms early
    ({"video_delay_frames": 2}, False),    # sound 67 ms early: over 40 ms
    ({"audio_delay_sec": 0.5}, False),     # the half-second offset that used to pass on durations alone
])
def test_lip_sync_offset_is_judged_against_ebu_r37(tmp_path, shift, passes):
    check = judged(make_clip(tmp_path / "sync.mp4", **shift))["av_sync"]
    assert check.passed is passes, check.measured
    if not passes:
        assert check.timecode_sec is not None


def test_lip_sync_at_23_976_fps(tmp_path):
    profile = render_profile("360p", "16:9", 24)
    late = judged(make_clip(tmp_path / "late.mp4", fps=NTSC_FILM, audio_delay_sec=0.1), profile)["av_sync"]
    in_sync = judged(make_clip(tmp_path / "ok.mp4", fps=NTSC_FILM), profile)["av_sync"]
    assert not late.passed and "late" in late.measured
    assert in_sync.passed, in_sync.measured


# --- flashes -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hz", "passes"), [(3.0, True), (4.0, False), (6.0, False)])
def test_full_field_flashing_over_three_a_second_fails(tmp_path, hz, passes):
    check = judged(make_clip(tmp_path / "flash.mp4", pictures=flashing(hz, 30)))["flash"]
    assert check.passed is passes, check.measured
    assert check.per_second and max(check.per_second) == pytest.approx(hz, abs=0.5)
    if not passes:
        assert 0 <= check.timecode_sec < 1.0


def test_flashing_at_23_976_fps(tmp_path):
    profile = render_profile("360p", "16:9", 24)
    check = judged(make_clip(tmp_path / "flash.mp4", fps=NTSC_FILM, pictures=flashing(6, NTSC_FILM)), profile)["flash"]
    slow = judged(make_clip(tmp_path / "slow.mp4", fps=NTSC_FILM, pictures=flashing(2, NTSC_FILM)), profile)["flash"]
    assert not check.passed and slow.passed


def test_saturated_red_flashing_fails_even_at_even_luminance(tmp_path):
    red, grey = flat(81, cr=240), flat(81)  # the same luma: only the red comes and goes
    check = judged(make_clip(tmp_path / "red.mp4", pictures=flashing(5, 30, red, grey)))["flash"]
    assert not check.passed, check.measured


def test_the_red_masks_kept_for_the_cut_replay_the_red_flash_the_file_shows(tmp_path):
    """What a clip's QA keeps for composing the cut's checks: each frame's red mask (held bit-packed) is the
    mask of the decoded frame, and replayed through the flash meter gives the file's own flash result."""
    width, height = 648, 360  # 81 mask columns: the packing's last byte is partly padding

    def picture(index, rng):  # the same luma throughout: only the red comes and goes, 5 times a second
        cr = 240.0 if int(10 * index / 30) % 2 == 0 else 128.0
        y = np.clip(81 + rng.integers(-2, 3, (height, width)), 16, 235)
        chroma = np.full(height * width // 4, 128.0)
        return np.concatenate([y.ravel(), chroma, np.full(height * width // 4, cr)]).reshape(height * 3 // 2, width)

    path = make_clip(tmp_path / "red.mp4", width=width, height=height, pictures=picture)
    scanned = scan(path, keep_frames=True)
    kept = stats_from_bytes(stats_bytes(scanned.frames))
    assert kept.red_cols == 81
    assert scanned.frames.flash_red_bits.shape[1:] == (45, 11)  # held packed from the decode on: 11 bytes a row
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            _, decoded_red = flash_grids(plane(frame, 0), plane(frame, 2))
            assert np.array_equal(kept.flash_red(index), decoded_red), index
    assert index + 1 == kept.frames and kept.flash_red(0).all() and not kept.flash_red(3).any()
    meter = FlashMeter()
    for index in range(kept.frames):
        meter.add_grids(kept.flash_luma[index], kept.flash_red(index))
    replayed = flash_windows(meter.transitions, meter.frames, 30.0)
    assert replayed == scanned.video.flash and replayed.first_failing_frame is not None  # it is a red flash


def test_small_area_or_dim_flicker_is_no_flash(tmp_path):
    def corner(index, rng):  # a flashing patch on a fifth of the screen
        picture = flat(100)(index, rng)
        if int(2 * 6 * index / 30) % 2 == 0:
            picture[: H // 2, : W * 2 // 5] = 235
        return picture
    dim = flashing(6, 30, flat(40), flat(30))  # under 20 cd/m2 apart
    assert judged(make_clip(tmp_path / "corner.mp4", pictures=corner))["flash"].passed
    assert judged(make_clip(tmp_path / "dim.mp4", pictures=dim))["flash"].passed


def test_a_fast_cut_montage_of_equally_bright_shots_passes(tmp_path):
    """Six cuts a second between different pictures of the same overall brightness: content changes, the
    screen does not flash."""
    x = np.linspace(0, 1, W)[None, :]
    y = np.linspace(0, 1, H)[:, None]
    scenes = [60 + 150 * (0.5 + 0.5 * np.sin(2 * np.pi * (a * x + b * y))) for a, b in
              ((3, 0), (0, 2), (2, 2), (5, -1), (1, 4), (-3, 3))]

    def montage(index, rng):
        luma = scenes[(index // 5) % len(scenes)] + rng.integers(-2, 3, (H, W))
        return np.concatenate([luma.ravel(), np.full(H * W // 2, 128.0)]).reshape(H * 3 // 2, W)

    check = judged(make_clip(tmp_path / "montage.mp4", pictures=montage))["flash"]
    assert check.passed, check.measured


# --- audio dropouts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("gap_ms", "passes"), [(90, True), (130, False), (250, False)])
def test_a_dropout_inside_the_programme_is_found(tmp_path, gap_ms, passes):
    bed = _audio(3, 48_000, 2, -23.0)
    start = int(1.5 * 48_000)
    bed[:, start:start + gap_ms * 48] = 0.0
    check = judged(make_clip(tmp_path / "dropout.mp4", samples=bed))["audio_dropout"]
    assert check.passed is passes, check.measured
    if not passes:
        assert check.timecode_sec == pytest.approx(1.5, abs=0.05)


def test_silence_at_the_ends_is_no_dropout(tmp_path):
    bed = _audio(3, 48_000, 2, -23.0)
    bed[:, : 48_000 // 2] = 0.0  # half a second before the sound starts
    assert judged(make_clip(tmp_path / "lead-in.mp4", samples=bed))["audio_dropout"].passed


# --- clipping ------------------------------------------------------------------------------------------


def _music(seconds=3.0, rate=48_000):
    t = np.arange(int(seconds * rate)) / rate
    tone = sum(np.sin(2 * np.pi * f * t + k) / (k + 1) for k, f in enumerate((110, 220, 277, 330, 440, 880)))
    return np.stack([tone * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))] * 2)


def _at_loudness(samples, lufs=-23.0):
    return samples * 10 ** ((lufs - integrated_loudness(samples)) / 20)


def _hard_clipped(samples, drive):
    return np.clip(samples * drive / np.abs(samples).max(), -1, 1)


def _limited(samples, ceiling_db=-1.5, rate=48_000, look_ms=5, release_ms=100):
    """A look-ahead peak limiter as mastering uses one: the gain is down before a peak and recovers slowly,
    so the waveform keeps its shape however often it reaches the ceiling."""
    ceiling = 10 ** (ceiling_db / 20)
    need = np.minimum(1.0, ceiling / np.maximum(np.abs(samples).max(axis=0), 1e-9))
    look = int(rate * look_ms / 1000)
    target = minimum_filter1d(need, size=2 * look + 1)
    alpha = np.exp(-1 / (rate * release_ms / 1000))
    gain, level = np.empty_like(target), 1.0
    for index, value in enumerate(target):
        level = value if value < level else alpha * level + (1 - alpha) * value
        gain[index] = level
    return samples * gain


def test_hard_clipped_audio_turned_down_to_the_target_loudness_fails(tmp_path):
    bed = _at_loudness(_hard_clipped(_music(), 2.0))
    check = judged(make_clip(tmp_path / "clipped.mp4", samples=bed))["clipping"]
    assert not check.passed and check.timecode_sec is not None, check.measured
    loudness = judged(make_clip(tmp_path / "clipped2.mp4", samples=bed))["loudness"]
    assert loudness.passed  # loudness and true peak alone never saw it


@pytest.mark.parametrize(("clipped_half_cycles", "passes"), [(0, True), (1, True), (2, False)])
def test_clipping_threshold_counts_clipped_samples_per_second(tmp_path, clipped_half_cycles, passes):
    """A steady 220 Hz tone with some half-cycles driven into the rail. One flat top (about 74 samples a
    channel) in 3 s of stereo is 49 clipped samples/s, just under the limit of 50; two are over it."""
    rate = 48_000
    tone = np.sin(2 * np.pi * 220 * np.arange(3 * rate) / rate)
    half = rate / 440
    for n in range(clipped_half_cycles):
        start = round(int((0.5 + 0.4 * n) * rate / half) * half)
        tone[start:start + round(half)] = np.clip(2 * tone[start:start + round(half)], -1, 1)
    check = judged(make_clip(tmp_path / "tone.mp4", samples=_at_loudness(np.stack([tone, tone]))))["clipping"]
    assert check.passed is passes, check.measured


def test_a_legitimately_limited_loud_master_passes(tmp_path):
    master = _limited(_music() * 8)  # driven hard into the limiter: every peak touches the ceiling
    check = judged(make_clip(tmp_path / "master.mp4", samples=_at_loudness(master, -16.0)))["clipping"]
    assert check.passed, check.measured


def test_the_html_report_shows_a_thumbnail_and_a_flash_strip_for_a_flashing_clip(tmp_path):
    from aiprod_assets.contracts import ClipQA, TechnicalQAReport
    from aiprod_assets.qa.report_html import render_qa_report

    path = make_clip(tmp_path / "flash.mp4", pictures=flashing(6, 30))
    checks = check_file(path, Expectations(PROFILE, None))
    report = TechnicalQAReport(job_id="flash-job", passed=False,
                               clips=[ClipQA(target="s01-01", uri=str(path), checks=checks, passed=False)])
    page = render_qa_report("flash-job", report, {"s01-01": path})
    assert 'aria-label="flashes per second"' in page and 'title="1s: 6 flashes"' in page
    assert 'alt="frame at ' in page  # the frame at the first failing flash


@pytest.mark.parametrize("fault", ["flash", "dropout"])
def test_a_shot_failing_a_broadcast_check_is_rendered_again_with_a_new_seed(tmp_path, store, instance, fault):
    """The first render of the first shot flashes (or drops its sound); remediation renders it again with a
    new seed, previz draws it afresh with a new audio bed, and the job delivers."""
    import json

    from aiprod_assets.intake.submission import accept
    from resources.gpu import TorchDevice
    from resources.policy import ProductionPolicy
    from tests.support.fault_backends import FaultyBackends, render_calls
    from tests.support.jobs import brief_bytes, run_production

    counter = tmp_path / "calls.txt"
    gpu = TorchDevice(device="cpu")
    job_id = f"{fault}-job"
    accept(store, f"{job_id}.json", brief_bytes(job_id=job_id, resolution="360p", duration_sec=2, characters=[],
                                                prompt="A red apple on a white plate."), 500)
    backends = FaultyBackends(gpu=gpu, counter_file=str(counter), fault=fault, fault_renders=1)
    result = run_production(store, instance, job_id, gpu=gpu, render_backends=backends,
                            policy=ProductionPolicy(remediation_attempts=2))
    assert result.success
    clips = json.loads(store.get_bytes(f"jobs/{job_id}/rendered_clips.json"))["clips"]
    first = clips[0]["qa_attempts"]
    check_id = "flash" if fault == "flash" else "audio_dropout"
    assert [a["passed"] for a in first] == [False, True] and check_id in first[0]["technical_failures"]
    assert first[0]["seed"] != first[1]["seed"]
    assert len(render_calls(counter)) == len(clips) + 1  # one shot rendered twice, the others once
