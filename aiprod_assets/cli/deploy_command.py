"""`aiprod deploy pools`: set a deployment's concurrency pools on its Dagster instance ($DAGSTER_HOME)."""

import click


@click.group("deploy")
def deploy() -> None:
    """A production deployment's instance settings (docs/deploy.md)."""


@deploy.command("pools")
def pools() -> None:
    """Set the gpu pool (AIPROD_GPU_SLOTS) and one pool per remote provider (its account concurrency over a
    job's, policy.provider_concurrency) on the instance DAGSTER_HOME names. Run it once per deployment,
    and again when the numbers change."""
    import os

    import dagster as dg

    from resources.policy import ProductionPolicy
    from resources.pools import pool_limits

    try:
        limits = pool_limits(os.environ, ProductionPolicy().provider_concurrency)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    instance = dg.DagsterInstance.get()
    for pool, slots in limits.items():
        instance.event_log_storage.set_concurrency_slots(pool, slots)
        click.echo(f"pool {pool}: {slots} slot(s)")
