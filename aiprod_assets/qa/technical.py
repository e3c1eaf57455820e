"""Technical QA: deterministic checks of a file against the render profile it was asked for.

Check ids are stable, scripts depend on them. Each result says what was measured,
what was expected and, where it applies, the timecode of the first problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aiprod_assets.contracts import CheckResult, RenderProfile
from aiprod_assets.media.probe import moov_before_mdat
from aiprod_assets.qa.broadcast import (
    AUDIO_EARLY_LIMIT_SEC,
    AUDIO_LATE_LIMIT_SEC,
    CLIPPED_SAMPLES_PER_SECOND,
    DROPOUT_DBFS,
    DROPOUT_MIN_SEC,
    MAX_FLASHES_PER_SECOND,
    sync_offset_ok,
)
from aiprod_assets.qa.scan import (
    BLACK_LUMA_MEAN,
    FROZEN_MEAN_ABS_DIFF,
    MediaScan,
    scan,
)
from aiprod_assets.qa.sound_measures import SoundMemo, true_runs

FROZEN_SHARE_OF_MEDIAN = 0.25

CHECK_IDS = ("integrity", "container", "faststart", "duration", "av_sync", "audio", "codec", "resolution",
             "bitrate", "frame_rate", "constant_frame_rate", "pix_fmt", "color_tags", "color_range",
             "legal_levels", "metadata", "loudness", "true_peak", "silence", "audio_dropout", "clipping",
             "black_frames",
             "frozen_frames", "flash")
DURATION_TOLERANCE_SEC = 2.0
LEGAL_LUMA_SHARE = 0.99
RUN_LIMIT_SEC = 0.5  # black or frozen runs at least this long fail
SILENCE_GAP_SEC = 2.0


@dataclass(frozen=True)
class Expectations:
    profile: RenderProfile
    target_duration_sec: float | None = None
    frozen_allowed: bool = False
    required_metadata: tuple[str, ...] = ("title", "comment")


def _result(check_id: str, passed: bool, measured, expected, timecode: float | None = None,
            per_second: list[float] | None = None) -> CheckResult:
    return CheckResult(id=check_id, passed=bool(passed), measured=str(measured), expected=str(expected),
                       timecode_sec=None if timecode is None else round(float(timecode), 3), per_second=per_second)


def _longest_run_check(check_id: str, flags: list[bool], step: float, allowed: bool, what: str) -> CheckResult:
    runs = true_runs(flags)
    start, length = max(runs, key=lambda r: r[1], default=(0, 0))
    seconds = length * step
    passed = allowed or seconds < RUN_LIMIT_SEC
    return _result(check_id, passed, f"longest {what} run {seconds:.2f}s", f"no {what} run >= {RUN_LIMIT_SEC}s",
                   start * step if length and not passed else None)


def technical_checks(media: MediaScan, expect: Expectations) -> list[CheckResult]:
    profile = expect.profile
    video, audio = media.video, media.audio
    checks = [
        _result("integrity", not media.errors and video is not None and video.decoded_frames > 0,
                "; ".join(media.errors) or f"{video.decoded_frames if video else 0} frames decoded",
                "every packet demuxes and decodes", media.error_timecode_sec),
        _result("container", media.format_name is not None and "mp4" in media.format_name and "moov" in media.atoms,
                f"{media.format_name or 'unreadable'}; atoms {' '.join(media.atoms) or '-'}", "MP4 with a moov atom"),
        _result("faststart", moov_before_mdat(media.atoms), " ".join(media.atoms) or "-", "moov before mdat"),
    ]
    if video is None:
        return checks + [_result(i, False, "no video stream", "a video stream") for i in CHECK_IDS[3:]]
    duration, step = media.video_duration_sec, media.frame_step_sec
    fps_low, fps_high = profile.fps - 1, profile.fps + 1
    deltas = {b - a for a, b in zip(sorted(video.pts), sorted(video.pts)[1:])}
    bitrate = video.packet_bytes * 8 / duration if duration else 0.0
    target = expect.target_duration_sec
    checks += [
        _result("duration", target is None or abs(duration - target) <= DURATION_TOLERANCE_SEC, f"{duration:.3f}s",
                f"{target:.3f}s +/- {DURATION_TOLERANCE_SEC:g}s" if target is not None else "any"),
        _result("codec", video.codec == profile.video_codec and (video.profile or "").lower() == profile.h264_profile,
                f"{video.codec} {video.profile}", f"{profile.video_codec} {profile.h264_profile}"),
        _result("resolution", (video.width, video.height, video.sample_aspect_ratio) == (profile.width, profile.height, "1:1"),
                f"{video.width}x{video.height} SAR {video.sample_aspect_ratio}", f"{profile.width}x{profile.height} SAR 1:1"),
        _result("bitrate", profile.video_bitrate_min_bps <= bitrate <= profile.video_bitrate_max_bps,
                f"{bitrate / 1e6:.2f} Mbps", f"{profile.video_bitrate_min_bps / 1e6:g}-{profile.video_bitrate_max_bps / 1e6:g} Mbps"),
        _result("frame_rate", fps_low <= media.fps <= fps_high, f"{media.fps:.3f} fps", f"{fps_low}-{fps_high} fps"),
        _result("constant_frame_rate", len(deltas) <= 1,
                f"{len(deltas)} distinct frame interval(s)", "one frame interval"),
        _result("pix_fmt", video.pix_fmt == profile.pix_fmt, video.pix_fmt, profile.pix_fmt),
        _result("color_tags", (video.color_primaries, video.color_trc, video.colorspace) == (profile.color_primaries,) * 3,
                f"primaries {video.color_primaries}, transfer {video.color_trc}, matrix {video.colorspace}",
                f"{profile.color_primaries} for all three"),
        _result("color_range", video.color_range == profile.color_range, video.color_range, profile.color_range),
        _result("legal_levels", video.luma_legal_share >= LEGAL_LUMA_SHARE,
                f"{video.luma_legal_share:.2%} of luma in 16-235", f">= {LEGAL_LUMA_SHARE:.0%}"),
    ]
    missing = [key for key in expect.required_metadata if not media.metadata.get(key)]
    checks.append(_result("metadata", not missing, "missing " + ", ".join(missing) if missing else "all present",
                          ", ".join(expect.required_metadata)))
    black = [mean < BLACK_LUMA_MEAN for mean in video.luma_means]
    # A frozen picture still changes a little as the encoder refines it, and a calm shot changes
    # little as the encoder smooths its grain: "frozen" is both small and far below the clip's own pace.
    moving = [c for c in video.frame_changes if np.isfinite(c)]
    frozen_below = min(FROZEN_MEAN_ABS_DIFF, FROZEN_SHARE_OF_MEDIAN * float(np.median(moving))) if moving else 0.0
    frozen = [change < frozen_below for change in video.frame_changes]
    checks += [_longest_run_check("black_frames", black, step, False, "black"),
               _longest_run_check("frozen_frames", frozen, step, expect.frozen_allowed, "frozen"),
               _flash_check(video, step)]
    checks += _audio_checks(audio, profile, duration, step, video.start_sec or 0.0)
    order = {check_id: n for n, check_id in enumerate(CHECK_IDS)}
    return sorted(checks, key=lambda c: order.get(c.id, len(order)))


def _flash_check(video, step: float) -> CheckResult:
    flash = video.flash
    if flash is None:
        return _result("flash", True, "not measured", f"<= {MAX_FLASHES_PER_SECOND} flashes in any second")
    passed = flash.first_failing_frame is None
    return _result("flash", passed, f"worst second {flash.worst_flashes:g} flashes from "
                                    f"{flash.worst_window_start_frame * step:.2f}s",
                   f"<= {MAX_FLASHES_PER_SECOND} flashes in any second (ITU-R BT.1702, general and red)",
                   None if passed else flash.first_failing_frame * step, per_second=flash.per_second)


def _sync_check(audio, audio_duration: float, video_duration: float, step: float, video_start: float) -> CheckResult:
    """Where the sound starts against the picture (EBU R37), and that neither runs on past the other."""
    offset = (audio.start_sec if audio.start_sec is not None else video_start) - video_start
    # audio_duration is where the sound ends on the timeline; the drift is how far that end moved from the start.
    drift = (audio_duration - (video_start + video_duration)) - offset
    lengths_ok = video_duration - 2 * step <= audio_duration <= video_duration + 2.0
    lag = "late" if offset >= 0 else "early"
    return _result("av_sync", sync_offset_ok(offset) and lengths_ok,
                   f"audio starts {abs(offset) * 1000:.0f} ms {lag}, drifts {drift * 1000:+.0f} ms by the end; "
                   f"audio {audio_duration:.3f}s vs video {video_duration:.3f}s",
                   f"audio at most {AUDIO_EARLY_LIMIT_SEC * 1000:.0f} ms early or {AUDIO_LATE_LIMIT_SEC * 1000:.0f} ms "
                   "late (EBU R37); audio no more than 2 frames short or 2 s long",
                   None if sync_offset_ok(offset) else min(video_start, video_start + offset))


def _dropout_check(audio) -> CheckResult:
    found = audio.measures.dropouts
    start = (audio.start_sec or 0.0) + found[0][0] if found else None
    longest = max((length for _, length in found), default=0.0)
    return _result("audio_dropout", not found,
                   f"{len(found)} dropout(s), longest {longest * 1000:.0f} ms" if found else "none",
                   f"no silence below {DROPOUT_DBFS:g} dBFS lasting >= {DROPOUT_MIN_SEC * 1000:.0f} ms with sound "
                   "on both sides", start)


def _clipping_check(audio) -> CheckResult:
    rate, first = audio.measures.clipped_per_sec, audio.measures.first_clipped_sec
    passed = rate <= CLIPPED_SAMPLES_PER_SECOND
    return _result("clipping", passed, f"{rate:.1f} clipped samples/s",
                   f"<= {CLIPPED_SAMPLES_PER_SECOND:g} clipped samples/s (flat tops)",
                   None if passed or first is None else (audio.start_sec or 0.0) + first)


def _audio_checks(audio, profile: RenderProfile, video_duration: float, step: float,
                  video_start: float = 0.0) -> list[CheckResult]:
    expected_audio = f"{profile.audio_codec} LC {profile.audio_sample_rate} Hz stereo"
    if audio is None:
        return [_result(i, False, "no audio stream", expected_audio if i == "audio" else "an audio stream")
                for i in ("audio", "av_sync", "loudness", "true_peak", "silence", "audio_dropout", "clipping")]
    sound = audio.measures
    audio_duration = audio.end_sec or sound.duration_sec
    lufs, peak = sound.loudness_lufs, sound.true_peak_dbtp
    gap, gap_start, all_silent = sound.silence_gap_sec, sound.silence_start_sec, sound.all_silent
    low, high = profile.loudness_lufs - profile.loudness_tolerance_lu, profile.loudness_lufs + profile.loudness_tolerance_lu
    return [
        _result("audio", (audio.codec, (audio.profile or "").upper(), audio.sample_rate, audio.layout)
                == (profile.audio_codec, "LC", profile.audio_sample_rate, "stereo"),
                f"{audio.codec} {audio.profile} {audio.sample_rate} Hz {audio.layout}", expected_audio),
        _sync_check(audio, audio_duration, video_duration, step, video_start),
        _result("loudness", low <= lufs <= high, f"{lufs:.1f} LUFS", f"{profile.loudness_lufs:g} LUFS +/- "
                f"{profile.loudness_tolerance_lu:g}"),
        _result("true_peak", peak <= profile.true_peak_dbtp, f"{peak:.1f} dBTP", f"<= {profile.true_peak_dbtp:g} dBTP"),
        _result("silence", not all_silent and gap < SILENCE_GAP_SEC,
                "all silent" if all_silent else f"longest gap {gap:.1f}s",
                f"no silence >= {SILENCE_GAP_SEC:g}s", gap_start if (all_silent or gap >= SILENCE_GAP_SEC) else None),
        _dropout_check(audio),
        _clipping_check(audio),
    ]


def check_file(path: str | Path, expect: Expectations, on_frame=None,
               sounds: SoundMemo | None = None) -> list[CheckResult]:
    return technical_checks(scan(path, on_frame, sounds=sounds), expect)
