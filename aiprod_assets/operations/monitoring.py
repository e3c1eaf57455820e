"""Google Cloud Monitoring: each job's figures and each day's health as custom metrics, and the plan's
three alert policies on the daily ones (created once, by ``aiprod monitoring init``).

Clients are made by the caller (the asset, the CLI), so tests point the real client's gRPC channel at a
local server and read the requests it sends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from google.cloud import monitoring_v3

from aiprod_assets.contracts import ProductionHealth
from aiprod_assets.operations.alerts import AlertThresholds

PREFIX = "custom.googleapis.com/aiprod"
JOB_METRICS = {"estimate_usd": "job/estimate_usd", "actual_usd": "job/actual_usd",
               "quality_score": "job/quality_score", "wall_clock_sec": "job/wall_clock_seconds",
               "shot_failures": "job/shot_failures"}
DAY_METRICS = {"committed_usd": "daily/committed_usd", "failure_rate": "daily/failure_rate",
               "mean_quality": "daily/mean_quality"}
POLICY_PREFIX = "AIPROD: "
Comparison = monitoring_v3.ComparisonType


def _series(metric: str, labels: dict[str, str], value: float, at: datetime) -> monitoring_v3.TimeSeries:
    point = monitoring_v3.Point(interval=monitoring_v3.TimeInterval(end_time=at),
                                value=monitoring_v3.TypedValue(double_value=float(value)))
    return monitoring_v3.TimeSeries(metric={"type": f"{PREFIX}/{metric}", "labels": labels},
                                    resource={"type": "global", "labels": {}}, points=[point])


def health_series(health: ProductionHealth, at: datetime | None = None) -> list[monitoring_v3.TimeSeries]:
    """The day's three figures, and each delivered job's (labelled by job id: one series per job, so jobs
    finishing in the same second do not write one series faster than Monitoring allows)."""
    at = at or datetime.now(UTC)
    series = [_series(metric, {"day": health.day}, getattr(health, field), at)
              for field, metric in DAY_METRICS.items() if getattr(health, field) is not None]
    for job in health.jobs:
        if job.delivered:
            series += [_series(metric, {"job_id": job.job_id}, getattr(job, field), at)
                       for field, metric in JOB_METRICS.items() if getattr(job, field) is not None]
    return series


def write_health(client: monitoring_v3.MetricServiceClient, project: str, health: ProductionHealth,
                 at: datetime | None = None) -> int:
    series = health_series(health, at)
    # The API takes at most 200 series a request.
    for start in range(0, len(series), 200):
        client.create_time_series(name=f"projects/{project}", time_series=series[start:start + 200])
    return len(series)


def alert_policies(limits: AlertThresholds, channels: list[str]) -> list[monitoring_v3.AlertPolicy]:
    def policy(title: str, metric: str, comparison, threshold: float, aligner, why: str):
        condition = monitoring_v3.AlertPolicy.Condition(
            display_name=title, condition_threshold=monitoring_v3.AlertPolicy.Condition.MetricThreshold(
                filter=f'metric.type="{PREFIX}/{metric}" AND resource.type="global"', comparison=comparison,
                threshold_value=threshold, duration={"seconds": 0},
                aggregations=[monitoring_v3.Aggregation(alignment_period={"seconds": 300},
                                                        per_series_aligner=aligner)]))
        return monitoring_v3.AlertPolicy(
            display_name=POLICY_PREFIX + title, combiner=monitoring_v3.AlertPolicy.ConditionCombinerType.OR,
            conditions=[condition], notification_channels=channels,
            documentation=monitoring_v3.AlertPolicy.Documentation(content=why, mime_type="text/markdown"),
            alert_strategy=monitoring_v3.AlertPolicy.AlertStrategy(auto_close={"seconds": 86400}))

    Aligner = monitoring_v3.Aggregation.Aligner
    return [
        policy("cost overrun", DAY_METRICS["committed_usd"], Comparison.COMPARISON_GT,
               limits.cost_fraction * limits.daily_limit_usd, Aligner.ALIGN_MAX,
               f"Committed spend is above {limits.cost_fraction:.0%} of the ${limits.daily_limit_usd:g} daily limit."),
        policy("pipeline failure rate", DAY_METRICS["failure_rate"], Comparison.COMPARISON_GT,
               limits.failure_rate, Aligner.ALIGN_MAX,
               f"More than {limits.failure_rate:.0%} of today's production runs failed."),
        policy("quality score", DAY_METRICS["mean_quality"], Comparison.COMPARISON_LT,
               limits.quality_floor, Aligner.ALIGN_MIN,
               f"The mean quality score of today's delivered jobs is below {limits.quality_floor}."),
    ]


def init_policies(client: monitoring_v3.AlertPolicyServiceClient, project: str, limits: AlertThresholds,
                  channels: list[str]) -> tuple[list[str], list[str]]:
    """Create the policies a project lacks, by display name; (created, already there). Safe to run again."""
    existing = {p.display_name for p in client.list_alert_policies(name=f"projects/{project}")}
    created, kept = [], []
    for policy in alert_policies(limits, channels):
        if policy.display_name in existing:
            kept.append(policy.display_name)
            continue
        client.create_alert_policy(name=f"projects/{project}", alert_policy=policy)
        created.append(policy.display_name)
    return created, kept


def clients(endpoint: str | None = None, local: bool = False):
    """(metric client, alert policy client). ``endpoint``: another host:port (a proxy); ``local``: a plaintext
    endpoint without credentials, such as a test server on 127.0.0.1."""
    if not local:
        options = {"api_endpoint": endpoint} if endpoint else None
        return (monitoring_v3.MetricServiceClient(client_options=options),
                monitoring_v3.AlertPolicyServiceClient(client_options=options))
    import grpc
    from google.cloud.monitoring_v3.services.alert_policy_service.transports import (
        AlertPolicyServiceGrpcTransport,
    )
    from google.cloud.monitoring_v3.services.metric_service.transports import (
        MetricServiceGrpcTransport,
    )

    channel = grpc.insecure_channel(endpoint)
    return (monitoring_v3.MetricServiceClient(transport=MetricServiceGrpcTransport(channel=channel)),
            monitoring_v3.AlertPolicyServiceClient(transport=AlertPolicyServiceGrpcTransport(channel=channel)))
