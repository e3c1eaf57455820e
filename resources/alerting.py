"""Where alerts go: a Slack-compatible webhook and Google Cloud Monitoring, each off unless configured.

  AIPROD_ALERT_WEBHOOK        the incoming webhook's URL (a secret: its path is the credential)
  AIPROD_MONITORING_PROJECT   the Google Cloud project custom metrics are written to (application-default
                              credentials); AIPROD_MONITORING_ENDPOINT another endpoint (a proxy)
"""

from collections.abc import Mapping

import dagster as dg
from pydantic import Field


class Alerting(dg.ConfigurableResource):
    webhook_url: str | None = Field(default=None, description="Slack-compatible incoming webhook; from the "
                                                              "environment only (dg.EnvVar)")
    monitoring_project: str | None = Field(default=None, description="Cloud Monitoring project for custom metrics")
    monitoring_endpoint: str | None = None
    monitoring_local: bool = Field(default=False, description="a plaintext endpoint without credentials (a "
                                                                  "local server on 127.0.0.1)")


def alerting_from_env(env: Mapping[str, str]) -> Alerting:
    return Alerting(webhook_url=dg.EnvVar("AIPROD_ALERT_WEBHOOK") if env.get("AIPROD_ALERT_WEBHOOK") else None,
                    monitoring_project=env.get("AIPROD_MONITORING_PROJECT") or None,
                    monitoring_endpoint=env.get("AIPROD_MONITORING_ENDPOINT") or None)
