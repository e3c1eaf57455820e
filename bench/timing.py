"""Interleaved timing: a baseline and a candidate run in turn, so machine noise hits them alike."""

import statistics
import time
from collections.abc import Callable
from typing import Any


def interleaved_medians(rounds: int, baseline: Callable[[], Any],
                        candidate: Callable[[], Any]) -> tuple[float, float, Any]:
    """Median seconds of each over ``rounds`` alternating runs, and the candidate's last result."""
    baseline_times, candidate_times, result = [], [], None
    for _ in range(rounds):
        started = time.perf_counter()
        baseline()
        baseline_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = candidate()
        candidate_times.append(time.perf_counter() - started)
    return statistics.median(baseline_times), statistics.median(candidate_times), result


def ratio_line(label: str, ratio: float, target: float) -> str:
    return f"ratio {label}: {ratio:.2f}x (target <= {target}x: {'met' if ratio <= target else 'NOT met'})"
