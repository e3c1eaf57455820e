"""The sound filters in numpy give what scipy.signal gives, so loudness, true peak and the previz beds are
measured as before; and a process that loads the code location does not import scipy at all."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import signal

from aiprod_assets.media import loudness
from aiprod_assets.media.filters import (
    _PHASES,
    OVERSAMPLED_PEAK_BOUND,
    butter_lowpass,
    iir_filter,
    oversample4,
    oversampled_peak,
)
from aiprod_assets.media.loudness import _HIGHPASS, _SHELF, normalize_loudness

RNG = np.random.default_rng(5)


@pytest.mark.parametrize("n", [0, 1, 7, 1000, 48_000 * 3 + 17])
def test_k_weighting_matches_scipys_lfilter(n):
    samples = RNG.standard_normal((2, n))
    expected = signal.lfilter(*_HIGHPASS, signal.lfilter(*_SHELF, samples, axis=-1), axis=-1)
    assert np.abs(iir_filter([_SHELF, _HIGHPASS], samples) - expected).max(initial=0.0) < 1e-10


@pytest.mark.parametrize("cutoff", [100.0, 600.0, 8000.0])
def test_butterworth_low_pass_matches_scipys_design_and_filter(cutoff):
    b, a = butter_lowpass(cutoff, 48_000)
    expected_b, expected_a = signal.butter(2, cutoff, fs=48_000)
    assert np.allclose(b, expected_b, rtol=1e-12, atol=1e-15) and np.allclose(a, expected_a, rtol=1e-12)
    noise = RNG.standard_normal((2, 20_000))
    sos = signal.butter(2, cutoff, fs=48_000, output="sos")
    assert np.abs(iir_filter([(b, a)], noise) - signal.sosfilt(sos, noise, axis=-1)).max() < 1e-10


@pytest.mark.parametrize("n", [1, 5, 100, 65_537, 200_003])
def test_oversampling_matches_scipys_resample_poly(n):
    samples = RNG.standard_normal((2, n))
    mine = oversample4(samples)
    assert mine.shape == (2, 4 * n)
    expected = signal.resample_poly(samples, 4, 1, axis=-1)
    assert np.abs(mine - expected).max() < 1e-12
    assert abs(oversampled_peak(samples) - np.abs(expected).max()) < 1e-12


def test_loading_the_code_location_does_not_import_scipy():
    # scipy.signal's import alone cost most of a second of every `aiprod run`.
    code = "import sys, aiprod_assets.definitions, aiprod_assets.cli.main; print(sorted(m for m in sys.modules if m.startswith('scipy')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "[]"


def test_a_filter_ringing_longer_than_the_response_kept_is_refused():
    # A pole at 0.99999 rings for seconds: its truncated response would not be the filter.
    with pytest.raises(ValueError, match="rings"):
        iir_filter([([1.0], [1.0, -0.99999])], RNG.standard_normal((1, 1000)))


def test_no_oversampled_sample_exceeds_the_bound_and_the_worst_signal_reaches_it():
    for _ in range(5):
        samples = RNG.standard_normal((2, 10_000)) * RNG.uniform(0.01, 1.0)
        assert oversampled_peak(samples) <= np.abs(samples).max() * OVERSAMPLED_PEAK_BOUND
    # The signs of the largest phase's taps, in the order the filter meets them: one output is that phase's
    # absolute sum, so the bound is the least that holds.
    phase = np.abs(_PHASES).sum(axis=0).argmax()
    worst = np.sign(_PHASES[:, phase])
    assert oversampled_peak(worst) == pytest.approx(OVERSAMPLED_PEAK_BOUND, rel=1e-12)


def test_loudness_is_normalized_without_measuring_the_true_peak_only_where_the_samples_cannot_reach_it(monkeypatch):
    measured = []

    def counted(samples):
        measured.append(samples.shape)
        return oversampled_peak(samples)

    monkeypatch.setattr(loudness, "oversampled_peak", counted)
    seconds = np.arange(48_000 * 3) / 48_000
    tone = np.stack([0.01 * np.sin(2 * np.pi * 440 * seconds)] * 2)
    quiet = normalize_loudness(tone, -23.0, -1.0)
    assert measured == []  # its peak, after the gain, is far under the ceiling over the bound
    gain = 10 ** ((-23.0 - loudness.integrated_loudness(tone)) / 20)
    assert np.array_equal(quiet, (tone * gain).astype(np.float32))
    # Clicks in near silence: the gain that brings them to the target loudness takes them over the ceiling.
    clicks = 0.001 * RNG.standard_normal((2, 48_000 * 3))
    clicks[:, ::4800] = 0.5
    limited = normalize_loudness(clicks, -23.0, -1.0)
    assert measured  # the samples could reach the ceiling: measured, then limited under it
    assert loudness.true_peak_dbtp(limited) <= -1.0
