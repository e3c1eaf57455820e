"""EBU R128 / ITU-R BS.1770-4 integrated loudness and true peak, for 48 kHz audio."""

from __future__ import annotations

import numpy as np

from aiprod_assets.media.filters import (
    OVERSAMPLED_PEAK_BOUND,
    iir_filter,
    oversampled_peak,
)

SAMPLE_RATE = 48_000
# K-weighting at 48 kHz (BS.1770-4, table 1 and 2): a high shelf, then a high-pass.
_SHELF = ([1.53512485958697, -2.69169618940638, 1.19839281085285], [1.0, -1.69065929318241, 0.73248077421585])
_HIGHPASS = ([1.0, -2.0, 1.0], [1.0, -1.99004745483398, 0.99007225036621])
_BLOCK_SEC, _STEP_SEC = 0.4, 0.1
_ABSOLUTE_GATE_LUFS, _RELATIVE_GATE_LU = -70.0, -10.0
SILENCE_LUFS = -float("inf")


def _block_powers(samples: np.ndarray) -> np.ndarray:
    weighted = iir_filter([_SHELF, _HIGHPASS], samples)
    block, step = int(_BLOCK_SEC * SAMPLE_RATE), int(_STEP_SEC * SAMPLE_RATE)
    if weighted.shape[-1] < block:
        return np.zeros(0)
    squared = weighted.astype(np.float64) ** 2
    cumulative = np.concatenate([np.zeros((squared.shape[0], 1)), np.cumsum(squared, axis=-1)], axis=-1)
    starts = np.arange(0, weighted.shape[-1] - block + 1, step)
    per_channel = (cumulative[:, starts + block] - cumulative[:, starts]) / block
    return per_channel.sum(axis=0)  # channel weights are 1.0 for left and right


def _lufs(power: np.ndarray | float) -> np.ndarray | float:
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(power)


def integrated_loudness(samples: np.ndarray) -> float:
    """Gated integrated loudness in LUFS of a (channels, n) array; -inf for silence."""
    powers = _block_powers(np.atleast_2d(samples))
    loud = powers[_lufs(powers) > _ABSOLUTE_GATE_LUFS] if powers.size else powers
    if loud.size == 0:
        return SILENCE_LUFS
    relative_gate = _lufs(loud.mean()) + _RELATIVE_GATE_LU
    gated = loud[_lufs(loud) > relative_gate]
    return float(_lufs(gated.mean()))


def true_peak_dbtp(samples: np.ndarray) -> float:
    """Peak of the 4x oversampled signal in dBTP."""
    peak = oversampled_peak(samples)
    return 20 * np.log10(peak) if peak > 0 else SILENCE_LUFS


def normalize_loudness(samples: np.ndarray, target_lufs: float, max_true_peak_dbtp: float) -> np.ndarray:
    """Gain to the target loudness; if that would break the peak ceiling, a soft limiter takes the excess."""
    current = integrated_loudness(samples)
    if not np.isfinite(current):
        return samples
    out = samples * 10 ** ((target_lufs - current) / 20)
    ceiling = 10 ** ((max_true_peak_dbtp - 0.3) / 20)
    # The true peak is measured only where the samples leave it room to reach the ceiling (a 12 s cut's took
    # 55 ms of its assembly; previz's beds at the target loudness peak 12 dB under it, 5 dB under the bound).
    could_reach = float(np.abs(out).max(initial=0.0)) * OVERSAMPLED_PEAK_BOUND * (1 + 1e-9) > ceiling
    if could_reach and true_peak_dbtp(out) > max_true_peak_dbtp - 0.3:
        out = ceiling * np.tanh(out / ceiling)
    return out.astype(np.float32)
