"""`aiprod monitoring init`: the plan's three alert policies in Google Cloud Monitoring."""

import os
import sys

import click


@click.group("monitoring")
def monitoring() -> None:
    """Google Cloud Monitoring: custom metrics and alert policies."""


@monitoring.command("init")
@click.option("--project", envvar="AIPROD_MONITORING_PROJECT", required=True,
              help="the Google Cloud project (default: $AIPROD_MONITORING_PROJECT)")
@click.option("--channel", "channels", multiple=True,
              help="a notification channel's name (projects/P/notificationChannels/ID); repeat for more")
def init(project: str, channels: tuple[str, ...]) -> None:
    """Create the cost-overrun, failure-rate and quality policies the project lacks (by display name), with
    the thresholds of this deployment's policy. Safe to run again: existing policies are kept."""
    from google.api_core.exceptions import GoogleAPIError

    from aiprod_assets.operations.assets import thresholds
    from aiprod_assets.operations.monitoring import clients, init_policies
    from resources.deployment import DeploymentError, deployment_resources
    from resources.gpu import TorchDevice

    try:
        policy = deployment_resources(TorchDevice(device="cpu"))["policy"]
    except DeploymentError as err:
        raise click.ClickException(str(err)) from None
    limits = thresholds(policy)
    endpoint = os.environ.get("AIPROD_MONITORING_ENDPOINT") or None
    _, policies = clients(endpoint, local=os.environ.get("AIPROD_MONITORING_LOCAL") == "1")
    try:
        created, kept = init_policies(policies, project, limits, list(channels))
    except GoogleAPIError as err:
        print(f"Cloud Monitoring refused: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    for name in created:
        print(f"created  {name}")
    for name in kept:
        print(f"kept     {name} (already there)")
