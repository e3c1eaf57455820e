"""Production health: a day's jobs and runs, the plan's three alert policies as its checks, and the
figures written to Cloud Monitoring where a deployment has it."""

from datetime import UTC, datetime, timedelta

import dagster as dg

from aiprod_assets.canonical import pretty_json
from aiprod_assets.layout import health_key
from aiprod_assets.metadata_values import readable_metadata
from aiprod_assets.operations.alerts import AlertThresholds, conditions
from aiprod_assets.operations.health import day_bounds, day_health, runs_frame
from aiprod_assets.operations.job_facts import delivered_on, job_health
from aiprod_assets.partitions import PRODUCTION_JOB
from resources.alerting import Alerting
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy

# UTC days; today's partition exists (end_offset=1) so the day is watched while it happens.
health_days = dg.DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1, timezone="UTC")
CHECKS = {"cost_overrun": "committed spend within its share of the daily limit",
          "failure_rate": "production runs failing at most at the allowed rate",
          "quality": "mean quality score of delivered jobs at or above the floor"}
# A job's wall clock counts from its first run, which may have started days before it delivered.
RUN_LOOKBACK = timedelta(days=7)


def thresholds(policy: ProductionPolicy) -> AlertThresholds:
    return AlertThresholds(daily_limit_usd=policy.daily_limit_usd, cost_fraction=policy.alert_cost_fraction,
                           failure_rate=policy.alert_failure_rate, quality_floor=policy.alert_quality_floor,
                           min_runs=policy.alert_min_runs)


def production_run_rows(instance: dg.DagsterInstance, day: str) -> list[dict]:
    start, end = day_bounds(day)
    records = instance.get_run_records(filters=dg.RunsFilter(
        job_name=PRODUCTION_JOB, created_before=datetime.fromtimestamp(end, UTC),
        updated_after=datetime.fromtimestamp(start, UTC) - RUN_LOOKBACK))
    return [{"run_id": r.dagster_run.run_id, "job_id": r.dagster_run.tags.get("dagster/partition"),
             "status": r.dagster_run.status.value, "start": r.start_time, "end": r.end_time} for r in records]


@dg.asset(partitions_def=health_days, group_name="operations", kinds={"pandas", "json"},
          check_specs=[dg.AssetCheckSpec(name, asset="production_health", description=text)
                       for name, text in CHECKS.items()])
def production_health(context: dg.AssetExecutionContext, store: ArtifactStore, policy: ProductionPolicy,
                      alerting: Alerting):
    """A day (UTC) of production: each job's cost (estimate and actual), quality score, wall-clock duration
    and shot failures, from the job records and the run records; committed spend, failure rate and mean
    quality, checked against the plan's alert policies."""
    day = context.partition_key
    runs = runs_frame(production_run_rows(context.instance, day))
    health = day_health(day, runs, lambda job_id, job_runs: job_health(store, job_id, job_runs),
                        delivered_on(store, day), policy.daily_limit_usd)
    uri = store.put_bytes(health_key(day), pretty_json(health).encode())
    if alerting.monitoring_project:
        # Imported here: the gRPC client is for deployments that write metrics, not every process start.
        from aiprod_assets.operations.monitoring import clients, write_health

        metrics, _ = clients(alerting.monitoring_endpoint, alerting.monitoring_local)
        written = write_health(metrics, alerting.monitoring_project, health)
        context.log.info(f"{written} time series written to Cloud Monitoring ({alerting.monitoring_project})")
    checks = [dg.AssetCheckResult(check_name=c.name, passed=not c.breached, description=c.description,
                                  severity=dg.AssetCheckSeverity.WARN,
                                  metadata={"value": float(c.value) if c.value is not None else None,
                                            "threshold": float(c.threshold)})
              for c in conditions(health, thresholds(policy))]
    table = "\n".join(f"| {j.job_id} | {j.delivered} | {j.estimate_usd:.4f} | {j.actual_usd:.4f} | "
                      f"{j.quality_score} | {j.wall_clock_sec} | {j.shot_failures} |" for j in health.jobs)
    return dg.MaterializeResult(check_results=checks, metadata=readable_metadata({
        "record": dg.MetadataValue.path(uri),
        "jobs": float(len(health.jobs)),
        "committed_usd": health.committed_usd,
        "daily_limit_usd": health.daily_limit_usd,
        "runs_finished": float(health.runs_finished),
        "runs_failed": float(health.runs_failed),
        "failure_rate": health.failure_rate,
        "mean_quality": health.mean_quality,
        "mean_wall_clock_sec": health.mean_wall_clock_sec,
        "shot_failures": float(health.shot_failures),
        "job_table": dg.MetadataValue.md("| job | delivered | estimate $ | actual $ | quality | wall clock s | "
                                         "shot failures |\n|---|---|---|---|---|---|---|\n" + table),
    }))


production_health_job = dg.define_asset_job("production_health_refresh", selection=[production_health],
                                             description="Today's production health and its alert checks.")


@dg.schedule(job=production_health_job, cron_schedule="*/15 * * * *", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.RUNNING)
def production_health_schedule(context: dg.ScheduleEvaluationContext):
    """Every quarter hour, today's production health (the alert sensor reads it)."""
    day = context.scheduled_execution_time.astimezone(UTC).date().isoformat()
    return dg.RunRequest(run_key=f"health-{context.scheduled_execution_time.isoformat()}", partition_key=day)
