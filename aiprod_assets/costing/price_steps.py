"""Price steps: where a backend's cost level jumped, so a fit forgets the jobs from before.

Known steps come from the pricing files (a backend whose list price changed between two versions). A job
priced at estimate time already carries the price of its day, so only jobs whose prior was recomputed at
today's price (billing imports) are forgotten at a known step. Unknown steps, a provider changing what it
bills without our price file knowing, are found on the residuals: the one split of log(actual / prior), in
time order, that explains the most variance, kept when the jump is both large and clear.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from aiprod_assets.contracts import PricingTable

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it

MIN_SHIFT = np.log(1.10)  # a jump of under 10 % is left to the recency weighting
MIN_T = 8.0  # the jump, in standard errors of the difference of the two means
MIN_SEGMENT = 2  # jobs on each side: a step is caught two jobs after it happens


def known_steps(history: list[PricingTable]) -> dict[str, list[str]]:
    """Per backend, the effective dates on which its list price changed, from consecutive pricing files."""
    steps: dict[str, list[str]] = {}
    ordered = sorted(history, key=lambda table: table.effective_date)
    for before, after in zip(ordered, ordered[1:]):
        for name, price in after.backends.items():
            old = before.backends.get(name)
            if old is not None and old.usd_per_second != price.usd_per_second:
                steps.setdefault(name, []).append(after.effective_date)
    return steps


def detect_step(log_ratio: np.ndarray) -> int | None:
    """Index of the first job after a jump in ``log_ratio``, or None when there is none worth forgetting for."""
    n = len(log_ratio)
    if n < 2 * MIN_SEGMENT:
        return None
    total = np.cumsum(log_ratio)
    best, best_gain = None, 0.0
    for k in range(MIN_SEGMENT, n - MIN_SEGMENT + 1):
        left_mean, right_mean = total[k - 1] / k, (total[-1] - total[k - 1]) / (n - k)
        gain = k * (n - k) / n * (right_mean - left_mean) ** 2
        if gain > best_gain:
            best, best_gain = k, gain
    if best is None:
        return None
    left, right = log_ratio[:best], log_ratio[best:]
    shift = abs(right.mean() - left.mean())
    spread = np.sqrt(((left - left.mean()) ** 2).sum() + ((right - right.mean()) ** 2).sum()) / max(n - 2, 1) ** 0.5
    t = shift / max(spread * np.sqrt(1 / len(left) + 1 / len(right)), 1e-12)
    return best if shift >= MIN_SHIFT and t >= MIN_T else None


def after_known_steps(frame: pd.DataFrame, step_dates: list[str], min_after: int = 8) -> tuple[pd.DataFrame, str | None]:
    """The jobs a fit may use after the known steps: a job whose prior was recomputed at today's price is
    dropped when it finished before a step, once at least ``min_after`` jobs came after it (until then the
    older jobs are all there is); the latest such step's date."""
    import pandas as pd

    date = None
    recomputed = frame["prior_usd"].isna() if "prior_usd" in frame else pd.Series(True, index=frame.index)
    for step in sorted(step_dates):
        moment = pd.Timestamp(step)
        moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment
        stale = (frame["finished_at"] < moment) & recomputed
        if stale.any() and len(frame) - int(stale.sum()) >= min_after:
            frame, date, recomputed = frame[~stale], step, recomputed[~stale]
    return frame, date
