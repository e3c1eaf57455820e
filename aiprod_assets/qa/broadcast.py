"""Broadcast QC measurements beyond the delivery spec: photosensitive flashes, lip-sync offset, audio dropouts.

Flashes follow ITU-R BT.1702 and Ofcom's guidance, measured the way automated analysers do it:
- Luminance in cd/m2 from 8-bit limited-range luma through the BT.1886 display (gamma 2.4, 200 cd/m2 white).
- A transition is a change of the frame-average luminance in one direction, accumulated over the frames of
  one trend, of at least 20 cd/m2 where the darker state is below 160 cd/m2, with more than a quarter of
  the screen changing by 20 cd/m2 or more. Averages mean that a cut between two different, equally bright
  pictures, where as much of the screen brightens as darkens, is no flash; a full-field flash is.
- A flash is a pair of opposing transitions: more than 3 flashes (7 or more transitions) in any one-second
  window fails. Saturated red (Cr far above neutral) entering or leaving more than a quarter of the screen
  counts as a red transition, judged the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

WHITE_CD_M2 = 200.0
FLASH_DELTA_CD_M2 = 20.0
DARKER_BELOW_CD_M2 = 160.0
FLASH_AREA = 0.25
MAX_FLASHES_PER_SECOND = 3
SATURATED_RED_CR = 200  # 8-bit Cr; neutral is 128, BT.709 full red about 240
GRID_STEP = 8  # every 8th luma pixel each way: 32,400 points of a 1080p frame

_LUMINANCE = (WHITE_CD_M2 * np.clip((np.arange(256) - 16) / 219, 0, 1) ** 2.4).astype(np.float32)


@dataclass
class _Trend:
    """One direction of change of a frame-wide level, from the state it started at."""

    direction: int = 0
    start_level: float = 0.0
    start_grid: np.ndarray | None = None
    counted: bool = False

    def follow(self, before: float, after: float, before_grid: np.ndarray) -> None:
        change = after - before
        direction = int(np.sign(change)) if abs(change) > 1e-3 else 0
        if direction and direction != self.direction:
            self.direction, self.start_level, self.start_grid, self.counted = direction, before, before_grid, False


def flash_grids(luma: np.ndarray, cr: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """What the flash meter reads of a frame: its luma on a regular grid, and where Cr is saturated red."""
    red = cr[::GRID_STEP // 2, ::GRID_STEP // 2] >= SATURATED_RED_CR if cr is not None else None
    return luma[::GRID_STEP, ::GRID_STEP], red


@dataclass
class FlashMeter:
    """Fed one decoded frame at a time (its luma and Cr planes); records the frames where transitions complete."""

    transitions: list[int] = field(default_factory=list)
    frames: int = 0
    _general: _Trend = field(default_factory=_Trend)
    _red: _Trend = field(default_factory=_Trend)
    _previous: np.ndarray | None = None
    _previous_mean: float = 0.0
    _previous_red: np.ndarray | None = None
    _previous_red_share: float = 0.0

    def add(self, luma: np.ndarray, cr: np.ndarray | None) -> None:
        self.add_grids(*flash_grids(luma, cr))

    def add_grids(self, luma_grid: np.ndarray, red: np.ndarray | None) -> None:
        """One frame as its sampled luma and its saturated-red mask (``flash_grids``): a frame measured
        before (a clip's kept measurements) is fed again without decoding it."""
        level = _LUMINANCE[luma_grid]
        mean = float(level.mean())
        red_share = float(np.count_nonzero(red)) / red.size if red is not None else 0.0
        if self._previous is not None and self._previous.shape == level.shape:
            found = self._general_transition(level, mean)
            if red is not None and self._previous_red is not None and red.shape == self._previous_red.shape:
                found = self._red_transition(red_share) or found
            if found:
                self.transitions.append(self.frames)
        self._previous, self._previous_mean = level, mean
        self._previous_red, self._previous_red_share = red, red_share
        self.frames += 1

    def _general_transition(self, level: np.ndarray, mean: float) -> bool:
        trend = self._general
        trend.follow(self._previous_mean, mean, self._previous)
        if trend.counted or not trend.direction:
            return False
        swing, darker = abs(mean - trend.start_level), min(mean, trend.start_level)
        if swing < FLASH_DELTA_CD_M2 or darker >= DARKER_BELOW_CD_M2:
            return False
        start = trend.start_grid
        changed = (np.abs(level - start) >= FLASH_DELTA_CD_M2) & (np.minimum(level, start) < DARKER_BELOW_CD_M2)
        if float(np.count_nonzero(changed)) / changed.size <= FLASH_AREA:
            return False
        trend.counted = True
        return True

    def _red_transition(self, red_share: float) -> bool:
        trend = self._red
        trend.follow(self._previous_red_share, red_share, self._previous_red)
        if trend.counted or not trend.direction or abs(red_share - trend.start_level) <= FLASH_AREA:
            return False
        trend.counted = True
        return True


@dataclass(frozen=True)
class FlashResult:
    worst_flashes: float  # transitions / 2 in the worst one-second window
    worst_window_start_frame: int
    first_failing_frame: int | None  # the transition that took a window over the limit
    per_second: list[float]  # flashes in each whole second of the programme


def flash_windows(transitions: list[int], frames: int, fps: float) -> FlashResult:
    """Flashes in every one-second window (a flash is two opposing transitions, so 7 transitions are 3.5
    flashes, over the limit of 3), the worst window and where the first failing one starts."""
    window = max(1, round(fps))
    marks = np.zeros(frames + 1, dtype=np.int32)
    for index in transitions:
        marks[min(index, frames)] += 1
    running = np.concatenate([[0], np.cumsum(marks)])
    starts = np.arange(0, max(1, frames - window + 2))
    counts = running[np.minimum(starts + window, len(running) - 1)] - running[starts]
    worst = int(np.argmax(counts))
    failing = np.flatnonzero(counts > 2 * MAX_FLASHES_PER_SECOND)
    first = None
    if len(failing):
        start = int(failing[0])
        inside = [t for t in transitions if start <= t < start + window]
        first = inside[2 * MAX_FLASHES_PER_SECOND]
    seconds = max(1, int(np.ceil(frames / window)))
    per_second = [float(running[min((s + 1) * window, len(running) - 1)] - running[min(s * window, len(running) - 1)])
                  / 2 for s in range(seconds)]
    return FlashResult(worst_flashes=float(counts[worst]) / 2, worst_window_start_frame=worst,
                       first_failing_frame=first, per_second=per_second)


# --- audio ---------------------------------------------------------------------------------------------

DROPOUT_DBFS = -70.0
DROPOUT_MIN_SEC = 0.1
DROPOUT_WINDOW_SEC = 0.01


def dropouts(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """(start, length) in seconds of every near-digital silence of at least 100 ms with sound on both sides."""
    window = max(1, int(rate * DROPOUT_WINDOW_SEC))
    usable = samples[:, : samples.shape[1] // window * window]
    if usable.size == 0:
        return []
    peak = np.abs(usable).reshape(usable.shape[0], -1, window).max(axis=(0, 2))
    quiet = 20 * np.log10(np.maximum(peak, 1e-12)) < DROPOUT_DBFS
    found, start = [], None
    for index, flag in enumerate([*quiet, False]):
        if flag and start is None:
            start = index
        elif not flag and start is not None:
            inside = start > 0 and index < len(quiet)  # sound before it and after it
            if inside and (index - start) * DROPOUT_WINDOW_SEC >= DROPOUT_MIN_SEC - 1e-9:
                found.append((start * DROPOUT_WINDOW_SEC, (index - start) * DROPOUT_WINDOW_SEC))
            start = None
    return found


# EBU R37: at the output, sound may lead the picture by at most 40 ms and lag it by at most 60 ms.
AUDIO_EARLY_LIMIT_SEC = 0.040
AUDIO_LATE_LIMIT_SEC = 0.060


def sync_offset_ok(offset_sec: float) -> bool:
    """``offset_sec`` = audio start - video start: positive when sound lags the picture."""
    return -AUDIO_EARLY_LIMIT_SEC <= offset_sec <= AUDIO_LATE_LIMIT_SEC


# --- clipping -------------------------------------------------------------------------------------------

CLIP_SMOOTHING = 5  # samples: AAC's ripple near Nyquist would otherwise break up a flat top
CLIP_TOLERANCE = 0.04  # a flat top stays within 4 % of its level through lossy coding
CLIP_FLAT_SHARE = 0.4  # of its half-cycle; a sine's top holds 17 % by the same measure, a limiter keeps that
CLIP_AT_TOP = 0.9  # a clipped plateau sits at the channel's extreme level (its 99.9th percentile), not below
CLIP_MIN_LEVEL_DBFS = -60.0  # clipped material is often turned down afterwards: judged below full scale too
CLIPPED_SAMPLES_PER_SECOND = 50.0


def clipped_samples(samples: np.ndarray, rate: int) -> tuple[float, float | None]:
    """(clipped samples per second of programme, time of the first clipped sample) over all channels.

    A half-cycle (zero crossing to zero crossing) is clipped when at least 40 % of it, and at least 3 samples,
    sit flat within 4 % of its own top level (its 80th percentile), and that level is the channel's extreme
    (at least 90 % of its 99.9th percentile): clipping flattens the loudest peaks at one level, while
    music whose partials happen to make a flat-topped wave does so at every level. That survives lossy coding, which adds
    ripple and overshoot to a flat top but leaves it flat, while a sine's rounded top holds 17 % of its
    half-cycle by the same measure and a peak limiter keeps that shape however often it touches the ceiling.
    """
    if samples.size == 0:
        return 0.0, None
    kernel = np.ones(CLIP_SMOOTHING) / CLIP_SMOOTHING
    clipped, first = 0, None
    for channel in samples:
        smooth = np.convolve(channel, kernel, mode="same")
        level = np.abs(smooth)
        top = float(np.quantile(level, 0.999))
        if top <= 10 ** (CLIP_MIN_LEVEL_DBFS / 20):
            continue
        bounds = np.concatenate([[0], np.flatnonzero(np.diff(np.signbit(smooth))) + 1, [len(smooth)]])
        peaks = np.maximum.reduceat(level, bounds[:-1])
        for index in np.flatnonzero((peaks >= CLIP_AT_TOP * top) & (np.diff(bounds) >= 8)):
            half = level[bounds[index]:bounds[index + 1]]
            plateau = np.quantile(half, 0.8)
            if plateau < CLIP_AT_TOP * top:
                continue
            flat = int(np.count_nonzero(np.abs(half - plateau) <= CLIP_TOLERANCE * plateau))
            if flat >= 3 and flat >= CLIP_FLAT_SHARE * len(half):
                clipped += flat
                at = bounds[index] / rate
                first = at if first is None else min(first, at)
    seconds = samples.shape[1] / rate
    return clipped / seconds if seconds else 0.0, first
