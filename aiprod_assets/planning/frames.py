"""Splitting a frame budget into parts that add up exactly."""

from __future__ import annotations


def split_frames(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Integer parts of ``total`` proportional to ``weights``, each at least ``minimum``.

    Largest-remainder rounding, ties broken by position, so the parts always sum to
    ``total`` and the same weights always give the same parts.
    """
    count = len(weights)
    if count == 0:
        return []
    minimum = max(0, min(minimum, total // count))
    spare = total - minimum * count
    weight_sum = float(sum(weights)) or 1.0
    exact = [spare * w / weight_sum for w in weights]
    parts = [minimum + int(x) for x in exact]
    leftover = total - sum(parts)
    order = sorted(range(count), key=lambda i: (-(exact[i] - int(exact[i])), i))
    for i in order[:leftover]:
        parts[i] += 1
    return parts
