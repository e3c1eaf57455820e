"""The backtest picture: predicted against actual, and the error over time, for both models."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd  # imported where a ledger is read: a job never needs it


def backtest_png(frame: pd.DataFrame, title: str, intervals: dict[str, dict[str, float]] | None = None) -> bytes:
    """Predicted against actual (with the p10-p90 band of the calibrated model), and the error over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (scatter, timeline) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=90)
    top = float(max(frame["actual"].max(), frame["calibrated"].max(), frame["prior"].max())) * 1.05
    scatter.plot([0, top], [0, top], color="#999", linewidth=1)
    scatter.scatter(frame["actual"], frame["prior"], s=10, alpha=0.5, label="prior", color="#E76F51")
    scatter.scatter(frame["actual"], frame["calibrated"], s=10, alpha=0.7, label="calibrated", color="#2A9D8F")
    spread = (intervals or {}).get("*")
    if spread:
        # actual = ratio x predicted: the band where 80 % of actuals fell around their calibrated estimate.
        xs = [0, top]
        scatter.fill_between(xs, [x / spread["p90"] for x in xs], [x / spread["p10"] for x in xs], color="#2A9D8F",
                             alpha=0.15, label=f"calibrated p10-p90 (x{spread['p10']:.2f}-x{spread['p90']:.2f})")
    scatter.set(xlabel="actual USD", ylabel="predicted USD", title="predicted vs actual")
    scatter.legend()
    for column, colour in (("prior", "#E76F51"), ("calibrated", "#2A9D8F")):
        error = ((frame["actual"] - frame[column]) / frame[column] * 100).rolling(10, min_periods=1).mean()
        timeline.plot(frame["finished_at"], error, color=colour, label=column)
    timeline.axhline(0, color="#999", linewidth=1)
    timeline.set(ylabel="(actual - estimate) / estimate %, rolling mean of 10", title="error over time")
    timeline.tick_params(axis="x", labelrotation=30)
    timeline.legend()
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
