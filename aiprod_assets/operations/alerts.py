"""The plan's three alert policies over a day of production health, and their open/closed book.

An alert opens once per condition per window (the day) and stays open, without repeating, while the
condition holds; it closes itself, with a notice, when the condition clears. A new day is a new window:
an alert still open from yesterday is closed, and today's figures open their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from aiprod_assets.contracts import AlertNotice, ProductionHealth


@dataclass(frozen=True)
class AlertThresholds:
    daily_limit_usd: float = 1000.0
    cost_fraction: float = 0.8  # committed spend above this share of the daily limit
    failure_rate: float = 0.05  # failed production runs over finished ones
    quality_floor: float = 0.6  # mean quality score of delivered jobs
    min_runs: int = 1  # finished runs before the failure rate means anything


@dataclass(frozen=True)
class Condition:
    name: str
    breached: bool
    value: float | None
    threshold: float
    description: str


def conditions(health: ProductionHealth, limits: AlertThresholds) -> list[Condition]:
    cost_line = limits.cost_fraction * limits.daily_limit_usd
    rate_known = health.runs_finished >= limits.min_runs
    return [
        Condition("cost_overrun", health.committed_usd > cost_line, health.committed_usd, round(cost_line, 6),
                  f"committed spend ${health.committed_usd:.2f} against {limits.cost_fraction:.0%} of the "
                  f"${limits.daily_limit_usd:.2f} daily limit"),
        Condition("failure_rate", rate_known and health.failure_rate > limits.failure_rate, health.failure_rate,
                  limits.failure_rate, f"{health.runs_failed} of {health.runs_finished} production runs failed "
                                       f"({health.failure_rate:.1%}, limit {limits.failure_rate:.0%})"),
        Condition("quality", health.mean_quality is not None and health.mean_quality < limits.quality_floor,
                  health.mean_quality, limits.quality_floor,
                  f"mean quality score {health.mean_quality if health.mean_quality is not None else 'n/a'} of "
                  f"delivered jobs (floor {limits.quality_floor})"),
    ]


def step(open_alerts: dict[str, dict], found: list[Condition], window: str,
         now: datetime | None = None) -> tuple[list[AlertNotice], dict[str, dict]]:
    """The notices to send, and the alerts open after them. ``open_alerts``: condition -> the window (and
    value) it opened in; it lives in the alert sensor's cursor."""
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    notices, still_open = [], {}
    for condition in found:
        opened = open_alerts.get(condition.name)
        if opened is not None and opened["window"] != window:
            notices.append(_notice(condition, "closed", opened["window"], stamp,
                                   f"window {opened['window']} ended"))
            opened = None
        if condition.breached and opened is None:
            notices.append(_notice(condition, "open", window, stamp, condition.description))
            still_open[condition.name] = {"window": window, "value": condition.value, "opened_at": stamp}
        elif condition.breached:
            still_open[condition.name] = opened
        elif opened is not None:
            notices.append(_notice(condition, "closed", window, stamp, f"cleared: {condition.description}"))
    return notices, still_open


def _notice(condition: Condition, state: str, window: str, stamp: str, message: str) -> AlertNotice:
    return AlertNotice(condition=condition.name, state=state, window=window, value=condition.value,
                       threshold=condition.threshold, message=message, at=stamp)
