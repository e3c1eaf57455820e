"""The few filters the sound needs, in numpy: an IIR filter, a Butterworth low-pass, 4x oversampling.

scipy.signal has them, but importing it costs most of a second of every process's start (its array-API
docstring machinery), more than all these filters take on a minute of sound.

``iir_filter`` convolves with the filter's impulse response, taken as long as it takes to die away (it
refuses a filter that rings longer): the same result as a causal time-domain filter starting from rest
(scipy's ``lfilter``) to about 1e-12 of full scale, for the stable filters used here.
"""

from __future__ import annotations

import numpy as np

# Samples after which the impulse response of any filter here is below 1e-13 of its peak (the K-weighting
# high-pass's poles at 0.995 need about 6,000).
_SETTLE = 16_384
_BLOCK = 1 << 17
UP = 4
_HALF_TAPS = 10 * UP  # scipy's resample_poly design: a Kaiser-windowed sinc of 2 * 10 * up + 1 taps


def _response(coefficients: list[float], z_inverse: np.ndarray) -> np.ndarray:
    return sum(c * z_inverse ** k for k, c in enumerate(coefficients))


def _fast_length(n: int) -> int:
    """The smallest 5-smooth length >= n: the FFT's fastest sizes, without doubling to a power of two."""
    best = 1 << int(np.ceil(np.log2(n)))
    power5 = 1
    while power5 < best:
        power35 = power5
        while power35 < best:
            size = power35 * (1 << max(0, int(np.ceil(np.log2(n / power35)))))
            best = min(best, size)
            power35 *= 3
        power5 *= 5
    return best


def _impulse_response(sections: list[tuple[list[float], list[float]]]) -> np.ndarray:
    """The first _SETTLE samples of the cascade's impulse response; the rest is below 1e-13 of its peak."""
    size = 4 * _SETTLE
    z_inverse = np.exp(-2j * np.pi * np.fft.rfftfreq(size))
    response = np.ones_like(z_inverse)
    for b, a in sections:
        response *= _response(b, z_inverse) / _response(a, z_inverse)
    impulse = np.fft.irfft(response, size)
    if np.abs(impulse[_SETTLE:]).max() > 1e-13 * np.abs(impulse).max():
        raise ValueError("the filter rings for longer than the samples this module allows it")
    return impulse[:_SETTLE]


def iir_filter(sections: list[tuple[list[float], list[float]]], samples: np.ndarray) -> np.ndarray:
    """``samples`` (..., n) through the filters (b, a) one after another along the last axis, from rest:
    its impulse response applied block by block (overlap-add), so a long programme is never transformed
    whole."""
    if samples.shape[-1] == 0:
        return np.zeros(samples.shape)
    impulse = _impulse_response(sections)
    flat = np.atleast_2d(samples).reshape(-1, samples.shape[-1])
    n = flat.shape[-1]
    size = _fast_length(_BLOCK + len(impulse) - 1)
    spectrum = np.fft.rfft(impulse, size)
    out = np.zeros((flat.shape[0], n + size))
    for row, signal in enumerate(flat):
        for start in range(0, n, _BLOCK):
            block = np.fft.irfft(np.fft.rfft(signal[start:start + _BLOCK], size) * spectrum, size)
            out[row, start:start + size] += block
    return out[:, :n].reshape(samples.shape)


def butter_lowpass(cutoff_hz: float, rate: int) -> tuple[list[float], list[float]]:
    """Second-order Butterworth low-pass by the bilinear transform (what ``scipy.signal.butter(2, ...)`` gives)."""
    k = np.tan(np.pi * cutoff_hz / rate)
    norm = 1 / (1 + np.sqrt(2) * k + k * k)
    b0 = k * k * norm
    return [b0, 2 * b0, b0], [1.0, 2 * (k * k - 1) * norm, (1 - np.sqrt(2) * k + k * k) * norm]


def _oversampling_taps() -> np.ndarray:
    m = np.arange(2 * _HALF_TAPS + 1) - _HALF_TAPS
    taps = np.sinc(m / UP) * np.kaiser(2 * _HALF_TAPS + 1, 5.0)
    return taps / taps.sum() * UP


_TAPS = _oversampling_taps()
# [k, p] = taps[(reach - 1 - k) * UP + p]: the filter's phases, newest input first.
_PHASES = np.concatenate([_TAPS, np.zeros(-len(_TAPS) % UP)]).reshape(-1, UP)[::-1]
_CHUNK = 1 << 16
# No output of the 4x filter is larger than the input's largest magnitude times its largest phase's absolute sum
# (2.24): a signal whose samples are that far under a ceiling has no inter-sample peak above it either.
OVERSAMPLED_PEAK_BOUND = float(np.abs(_PHASES).sum(axis=0).max())


def _oversampled_chunks(channel: np.ndarray):
    """One channel at four times the rate, a chunk at a time (a minute of sound would be 90 MB at once)."""
    n = len(channel)
    # Output sample 4j + p (before the filter's delay is taken off) is the dot product of the input around j
    # with the filter's phase p: one matrix product over a sliding window of the input.
    reach = len(_PHASES)
    padded = np.concatenate([np.zeros(reach - 1), channel, np.zeros(reach)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, reach)
    for start in range(0, len(windows), _CHUNK):
        # A contiguous copy of a chunk of windows makes the product one BLAS call.
        flat = (np.ascontiguousarray(windows[start:start + _CHUNK]) @ _PHASES).reshape(-1)
        first = start * UP
        keep_from, keep_to = max(first, _HALF_TAPS), min(first + len(flat), _HALF_TAPS + n * UP)
        if keep_from < keep_to:
            yield flat[keep_from - first:keep_to - first]


def oversample4(samples: np.ndarray) -> np.ndarray:
    """(channels, n) at four times the rate, band-limited (polyphase, as ``resample_poly(x, 4, 1)``)."""
    samples = np.atleast_2d(samples).astype(np.float64)
    return np.stack([np.concatenate([*_oversampled_chunks(channel), np.zeros(0)]) for channel in samples])


def oversampled_peak(samples: np.ndarray) -> float:
    """The largest magnitude of ``oversample4(samples)``, without holding it."""
    samples = np.atleast_2d(samples).astype(np.float64)
    return max((float(np.max(np.abs(chunk))) for channel in samples for chunk in _oversampled_chunks(channel)
                if chunk.size), default=0.0)
