"""Alerts out: the plan's three policies over today's production health, and failed production runs.

The health sensor keeps the open alerts in its cursor (Dagster's storage, not the store, so no
read-modify-write between daemons): one notice when a condition opens in a window, none while it holds,
one when it clears. A notice that cannot be sent leaves the cursor as it was, so the next tick sends it.
"""

import json
from datetime import UTC, datetime

import dagster as dg

from aiprod_assets.contracts import AlertNotice, ProductionHealth
from aiprod_assets.layout import health_key, read_record
from aiprod_assets.operations.alerts import conditions, step
from aiprod_assets.operations.assets import thresholds
from aiprod_assets.operations.webhook import WebhookError, post
from aiprod_assets.partitions import PRODUCTION_JOB
from resources.alerting import Alerting
from resources.artifact_store import ArtifactStore
from resources.policy import ProductionPolicy


def _send(alerting: Alerting, notices: list[AlertNotice], log) -> None:
    for notice in notices:
        log.info(f"alert {notice.condition} {notice.state} ({notice.window}): {notice.message}")
        if alerting.webhook_url:
            post(alerting.webhook_url, notice)


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def production_alert_sensor(context: dg.SensorEvaluationContext, store: ArtifactStore, policy: ProductionPolicy,
                            alerting: Alerting):
    """Notifies when today's production health breaks a policy (cost overrun, failure rate, quality), and
    again when it clears."""
    day = datetime.now(UTC).date().isoformat()
    health = read_record(store, health_key(day), ProductionHealth)
    if health is None:
        return dg.SkipReason(f"no production health for {day} yet (the production_health schedule makes it)")
    open_alerts = json.loads(context.cursor) if context.cursor else {}
    notices, still_open = step(open_alerts, conditions(health, thresholds(policy)), day)
    try:
        _send(alerting, notices, context.log)
    except WebhookError as err:
        return dg.SkipReason(f"{err}; {len(notices)} notice(s) will be sent again next tick")
    context.update_cursor(json.dumps(still_open, sort_keys=True))
    if not notices:
        return dg.SkipReason(f"{len(still_open)} alert(s) open, nothing changed")
    return None


@dg.run_failure_sensor(default_status=dg.DefaultSensorStatus.RUNNING, monitor_all_code_locations=False)
def production_run_failure_sensor(context: dg.RunFailureSensorContext, alerting: Alerting):
    """Notifies once for each failed production run, naming its job and the error."""
    run = context.dagster_run
    if run.job_name != PRODUCTION_JOB:
        return
    message = context.failure_event.message or "no message"
    notice = AlertNotice(condition="run_failure", state="open", window=run.run_id, value=None, threshold=0.0,
                         message=f"job {run.tags.get('dagster/partition', '?')}: run {run.run_id} failed: "
                                 f"{message[:500]}", at=datetime.now(UTC).isoformat(timespec="seconds"))
    _send(alerting, [notice], context.log)
