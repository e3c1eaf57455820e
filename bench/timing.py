"""Interleaved timing: a baseline and a candidate run in turn, so machine noise hits them alike."""

import argparse
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


def print_comparison(setup: str, baseline: tuple[str, str], candidate: tuple[str, str], ratio_label: str,
                     ratio: float, target: float) -> None:
    """The bench's set-up, each side's (label, timing), and their ratio against the target."""
    width = max(len(baseline[0]), len(candidate[0])) + 1
    print(setup)
    for label, timing in (baseline, candidate):
        print(f"{label + ':':<{width}} {timing}")
    print(ratio_line(ratio_label, ratio, target))


def bench_arguments(doc: str, **defaults: int) -> argparse.Namespace:
    """The command line of a bench: an integer option per keyword (``--name``), with its default."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, default in defaults.items():
        parser.add_argument(f"--{name}", type=int, default=default)
    return parser.parse_args()
