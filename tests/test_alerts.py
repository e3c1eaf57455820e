"""The plan's alerts: production_health over a real delivered job and a real failed run, its three checks,
the alert sensor's notices to a webhook (opened once, closed when cleared), the run-failure sensor, and
Cloud Monitoring's requests as the real client sends them."""

import json
from datetime import UTC, datetime

import dagster as dg
import pytest
from google.cloud import monitoring_v3

from aiprod_assets.contracts import AlertNotice, ProductionHealth
from aiprod_assets.intake.submission import accept
from aiprod_assets.layout import health_key
from aiprod_assets.operations.alerts import AlertThresholds, Condition, conditions, step
from aiprod_assets.operations.assets import production_health
from aiprod_assets.operations.webhook import slack_body
from aiprod_assets.testing.local_server import LocalServer
from resources.alerting import Alerting
from resources.artifact_store import LocalArtifactStore
from resources.policy import ProductionPolicy
from sensors.alert_sensor import production_alert_sensor, production_run_failure_sensor
from tests.support.jobs import brief_bytes, run_production
from tests.support.monitoring_server import MonitoringServer

TODAY = datetime.now(UTC).date().isoformat()


class Webhook(LocalServer):
    """A Slack-compatible incoming webhook that keeps what it is sent; ``status`` to refuse."""

    def __init__(self):
        super().__init__()
        self.posts: list[dict] = []
        self.status = 200

    def route(self, method, path, body):
        if self.status != 200:
            return self.status, {}, {"error": "down"}
        self.posts.append({"path": path, **body})
        return 200, {}, {"ok": True}


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """One delivered job and one failed production run, today, in one instance and store."""
    store = LocalArtifactStore(root=str(tmp_path_factory.mktemp("alerts") / "store"))
    with dg.instance_for_test() as instance:
        job_id = accept(store, "health.json", brief_bytes(job_id="health-job", resolution="360p", duration_sec=2,
                                                          characters=[], prompt="A lighthouse at dusk."), 500)
        delivered = run_production(store, instance, job_id)
        assert delivered.success
        # A partition whose brief was never accepted: the production run fails at its first step.
        failed = run_production(store, instance, "never-submitted")
        assert not failed.success
        yield store, instance, failed


def _health(store, instance, policy: ProductionPolicy, alerting: Alerting | None = None):
    result = dg.materialize([production_health], instance=instance,
                            partition_key=TODAY, resources={"store": store, "policy": policy,
                                                            "alerting": alerting or Alerting()})
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    return ProductionHealth.model_validate_json(store.get_bytes(health_key(TODAY))), checks


def test_production_health_counts_the_days_jobs_and_runs(production):
    store, instance, _ = production
    health, checks = _health(store, instance, ProductionPolicy())
    [job] = [j for j in health.jobs if j.job_id == "health-job"]
    assert job.delivered and job.actual_usd > 0 and job.committed_usd == job.actual_usd
    assert job.quality_score is not None and job.wall_clock_sec > 0
    assert (health.runs_finished, health.runs_failed, health.failure_rate) == (2, 1, 0.5)
    assert health.committed_usd == pytest.approx(job.actual_usd)
    assert health.mean_quality == pytest.approx(job.quality_score, abs=1e-4)
    assert checks == {"cost_overrun": True, "failure_rate": False, "quality": checks["quality"]}


@pytest.mark.parametrize("condition, over, under", [
    ("cost_overrun", dict(daily_limit_usd=1e-6), dict(daily_limit_usd=1000.0)),
    ("failure_rate", dict(alert_failure_rate=0.4), dict(alert_failure_rate=0.6)),
    ("quality", dict(alert_quality_floor=1.0), dict(alert_quality_floor=0.0)),
])
def test_each_check_fails_over_its_threshold_and_passes_under_it(production, condition, over, under):
    store, instance, _ = production
    assert _health(store, instance, ProductionPolicy(**over))[1][condition] is False
    assert _health(store, instance, ProductionPolicy(**under))[1][condition] is True


def _tick(store, instance, policy, webhook_url, cursor=None):
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={
        "store": store, "policy": policy, "alerting": Alerting(webhook_url=webhook_url)})
    result = production_alert_sensor(context)
    return result, context.cursor


def test_the_alert_sensor_notifies_once_per_condition_and_closes_when_it_clears(production):
    store, instance, _ = production
    breach = ProductionPolicy(daily_limit_usd=1e-6, alert_failure_rate=0.05, alert_quality_floor=1.0)
    _health(store, instance, breach)
    with Webhook() as webhook:
        _, cursor = _tick(store, instance, breach, webhook.base_url + "/hooks/T0/B0/secret")
        opened = [post for post in webhook.posts]
        assert sorted(p["text"].split(" OPEN")[0] for p in opened) == [
            "[AIPROD] Cost overrun", "[AIPROD] Pipeline failure rate", "[AIPROD] Quality score"]
        assert all(p["path"] == "/hooks/T0/B0/secret" and p["attachments"][0]["color"] == "#d0312d" for p in opened)
        assert set(json.loads(cursor)) == {"cost_overrun", "failure_rate", "quality"}

        result, cursor = _tick(store, instance, breach, webhook.base_url, cursor)  # still breached: silent
        assert len(webhook.posts) == 3 and isinstance(result, dg.SkipReason)

        cleared = ProductionPolicy(daily_limit_usd=1000.0, alert_failure_rate=0.6, alert_quality_floor=0.0)
        _health(store, instance, cleared)
        _, cursor = _tick(store, instance, cleared, webhook.base_url, cursor)
        closed = webhook.posts[3:]
        assert len(closed) == 3 and all("resolved" in p["text"] and p["attachments"][0]["color"] == "#2e8540"
                                        for p in closed)
        assert json.loads(cursor) == {}


def test_a_notice_the_webhook_refuses_is_sent_again_next_tick(production):
    store, instance, _ = production
    breach = ProductionPolicy(daily_limit_usd=1e-6)
    _health(store, instance, breach)
    with Webhook() as webhook:
        webhook.status = 503
        result, cursor = _tick(store, instance, breach, webhook.base_url + "/hooks/secret-path")
        assert isinstance(result, dg.SkipReason) and "503" in result.skip_message
        assert "secret-path" not in result.skip_message  # the webhook's URL is its credential
        assert cursor is None and webhook.posts == []
        webhook.status = 200
        _, cursor = _tick(store, instance, breach, webhook.base_url, cursor)
        assert any("Cost overrun OPEN" in p["text"] for p in webhook.posts)


def test_the_run_failure_sensor_notifies_once_for_a_failed_production_run(production):
    store, instance, failed = production
    failure = next(e for e in failed.all_events if e.event_type == dg.DagsterEventType.PIPELINE_FAILURE)
    with Webhook() as webhook:
        context = dg.build_run_status_sensor_context(
            sensor_name="production_run_failure_sensor", dagster_event=failure, dagster_instance=instance,
            dagster_run=failed.dagster_run, resources={"alerting": Alerting(webhook_url=webhook.base_url)},
        ).for_run_failure()
        production_run_failure_sensor(context)
    [post] = webhook.posts
    assert "Production run failed" in post["text"] and failed.run_id in post["text"]
    assert "never-submitted" in post["text"]


def test_a_new_window_closes_yesterdays_alert_and_opens_its_own():
    breached = [Condition("quality", True, 0.4, 0.6, "low")]
    notices, still = step({}, breached, "2026-11-30")
    assert [(n.condition, n.state, n.window) for n in notices] == [("quality", "open", "2026-11-30")]
    notices, still = step(still, breached, "2026-12-01")
    assert [(n.state, n.window) for n in notices] == [("closed", "2026-11-30"), ("open", "2026-12-01")]
    assert still["quality"]["window"] == "2026-12-01"


def test_the_failure_rate_waits_for_enough_runs():
    health = ProductionHealth(day=TODAY, computed_at="", jobs=[], runs_finished=1, runs_failed=1, failure_rate=1.0,
                              committed_usd=0.0, daily_limit_usd=10.0)
    rate = {c.name: c.breached for c in conditions(health, AlertThresholds(min_runs=5))}
    assert rate["failure_rate"] is False
    assert {c.name: c.breached for c in conditions(health, AlertThresholds(min_runs=1))}["failure_rate"] is True


def test_the_webhook_body_is_slack_compatible():
    notice = AlertNotice(condition="quality", state="open", window=TODAY, value=0.41, threshold=0.6,
                         message="mean quality 0.41", at="2026-12-01T10:00:00+00:00")
    body = slack_body(notice)
    assert isinstance(body["text"], str) and body["text"].startswith("[AIPROD] Quality score OPEN")
    assert {f["title"] for f in body["attachments"][0]["fields"]} == {"value", "threshold", "window"}


def test_production_health_writes_its_figures_to_cloud_monitoring(production):
    store, instance, _ = production
    with MonitoringServer() as server:
        health, _ = _health(store, instance, ProductionPolicy(), Alerting(
            monitoring_project="demo-project", monitoring_endpoint=server.endpoint, monitoring_local=True))
    [(kind, request)] = server.requests
    assert (kind, request.name) == ("CreateTimeSeriesRequest", "projects/demo-project")
    values = {(s.metric.type.removeprefix("custom.googleapis.com/aiprod/"),
               s.metric.labels.get("job_id", s.metric.labels.get("day"))): s.points[0].value.double_value
              for s in server.series()}
    assert values[("daily/failure_rate", TODAY)] == health.failure_rate == 0.5
    assert values[("daily/committed_usd", TODAY)] == pytest.approx(health.committed_usd)
    assert values[("job/actual_usd", "health-job")] == pytest.approx(health.jobs[0].actual_usd)
    assert ("job/wall_clock_seconds", "health-job") in values and ("job/shot_failures", "health-job") in values
    assert all(s.resource.type == "global" and s.points[0].interval.end_time for s in server.series())


def test_monitoring_init_creates_the_three_policies_once():
    from click.testing import CliRunner

    from aiprod_assets.cli.main import cli

    with MonitoringServer() as server:
        env = {"AIPROD_MONITORING_ENDPOINT": server.endpoint, "AIPROD_MONITORING_LOCAL": "1",
               "AIPROD_DAILY_LIMIT_USD": "250"}
        first = CliRunner().invoke(cli, ["monitoring", "init", "--project", "demo-project", "--channel",
                                         "projects/demo-project/notificationChannels/42"], env=env)
        assert first.exit_code == 0, first.output
        again = CliRunner().invoke(cli, ["monitoring", "init", "--project", "demo-project"], env=env)
        assert again.exit_code == 0 and again.output.count("kept") == 3, again.output
    assert [kind for kind, _ in server.requests] == ["ListAlertPoliciesRequest"] + ["CreateAlertPolicyRequest"] * 3 \
        + ["ListAlertPoliciesRequest"]
    created = [request for kind, request in server.requests if kind == "CreateAlertPolicyRequest"]
    assert {r.name for r in created} == {"projects/demo-project"}
    by_name = {r.alert_policy.display_name: r.alert_policy for r in created}
    assert set(by_name) == {"AIPROD: cost overrun", "AIPROD: pipeline failure rate", "AIPROD: quality score"}
    cost = by_name["AIPROD: cost overrun"].conditions[0].condition_threshold
    assert cost.filter == 'metric.type="custom.googleapis.com/aiprod/daily/committed_usd" AND resource.type="global"'
    assert (cost.comparison, cost.threshold_value) == (monitoring_v3.ComparisonType.COMPARISON_GT, 200.0)  # 80 % of 250
    quality = by_name["AIPROD: quality score"].conditions[0].condition_threshold
    assert (quality.comparison, quality.threshold_value) == (monitoring_v3.ComparisonType.COMPARISON_LT, 0.6)
    assert by_name["AIPROD: pipeline failure rate"].conditions[0].condition_threshold.threshold_value == 0.05
    assert all(list(r.alert_policy.notification_channels) == ["projects/demo-project/notificationChannels/42"]
               for r in created)
