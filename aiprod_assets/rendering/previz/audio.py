"""The audio bed of a shot: a pad whose chord follows the mood, weather under it, loudness-normalized."""

from __future__ import annotations

import re

import numpy as np

from aiprod_assets.contracts import RenderProfile, ShotSpec
from aiprod_assets.media.filters import butter_lowpass, iir_filter
from aiprod_assets.media.loudness import normalize_loudness

# Chord tones in Hz: minor for melancholy, a tritone for tension, major for joy, a major seventh for calm.
MOOD_CHORDS: dict[str, tuple[float, ...]] = {
    "melancholic": (110.0, 220.0, 261.63, 329.63),
    "tense": (82.41, 110.0, 155.56, 164.81),
    "joyful": (130.81, 261.63, 329.63, 392.0),
    "serene": (98.0, 196.0, 246.94, 293.66, 369.99),
    "neutral": (98.0, 196.0, 293.66),
}
_WEATHER = re.compile(r"\b(storm\w*|rain\w*|wind\w*|sea|waves?|ocean)\b", re.IGNORECASE)
FADE_SEC = 0.02


def audio_bed(spec: ShotSpec, profile: RenderProfile, seed: int) -> np.ndarray:
    """(2, n) float32 samples exactly as long as the shot's frames."""
    rate = profile.audio_sample_rate
    n = spec.frames * rate // profile.fps
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    chord = MOOD_CHORDS.get(spec.mood, MOOD_CHORDS["neutral"])
    bed = np.zeros((2, n))
    for k, freq in enumerate(chord):
        swell = 0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(0.1, 0.3) * t + rng.uniform(0, 2 * np.pi))
        for channel, detune in enumerate((-0.4, 0.4)):
            bed[channel] += swell * np.sin(2 * np.pi * (freq + detune) * t + rng.uniform(0, 2 * np.pi)) / (1 + k * 0.5)
    if spec.mood == "tense":
        beat = np.exp(-((t % 0.5) / 0.05)) * np.sin(2 * np.pi * 55 * t)
        bed += 0.8 * beat
    if _WEATHER.search(spec.prompt):
        noise = iir_filter([butter_lowpass(600, rate)], rng.standard_normal((2, n)))
        bed += 3.0 * noise * (0.7 + 0.3 * np.sin(2 * np.pi * 0.15 * t))
    fade = min(int(FADE_SEC * rate), n // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        bed[:, :fade] *= ramp
        bed[:, n - fade:] *= ramp[::-1]
    return normalize_loudness(bed, profile.loudness_lufs, profile.true_peak_dbtp)
