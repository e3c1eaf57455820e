"""`aiprod bucket init` and `aiprod deliver --renew`: the GCS side of delivery."""

import json
import sys

import click


@click.group("bucket")
def bucket() -> None:
    """The delivery bucket on Google Cloud Storage."""


@bucket.command("init")
@click.argument("location_uri")
@click.option("--origin", "origins", multiple=True, help="a web origin allowed to GET/HEAD (repeatable)")
@click.option("--location", default="US", show_default=True, help="bucket location when creating it")
def init(location_uri: str, origins: tuple[str, ...], location: str) -> None:
    """Create or verify the bucket of LOCATION_URI (gs://bucket[/prefix]): versioning, lifecycle, CORS."""
    import os

    from dagster_gcp import GCSResource

    from resources.bucket_setup import init_bucket
    from resources.gcs_store import parse_gs_uri

    try:
        name, _ = parse_gs_uri(location_uri)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="LOCATION_URI") from err
    client = GCSResource(project=os.environ.get("GOOGLE_CLOUD_PROJECT")).get_client()
    state = init_bucket(client, name, location, list(origins))
    click.echo(json.dumps(state, indent=2, default=str))


@click.command("deliver")
@click.argument("job_id")
@click.option("--renew", is_flag=True, required=True, help="sign every deliverable's URL again (7 days)")
def deliver(job_id: str, renew: bool) -> None:
    """Renew the signed URLs of JOB_ID's delivery manifest."""
    from aiprod_assets.canonical import pretty_json
    from aiprod_assets.cli.local_env import LocalEnvironment
    from aiprod_assets.contracts import SIGNED_URL_SECONDS
    from aiprod_assets.job_ids import InvalidJobId, check_job_id
    from aiprod_assets.layout import artefact_key, read_artefact

    try:
        check_job_id(job_id)
    except InvalidJobId as err:
        raise click.BadParameter(str(err), param_hint="JOB_ID") from err
    env = LocalEnvironment.from_env()
    manifest = read_artefact(env.store, "delivery_manifest", job_id)
    if manifest is None:
        click.secho(f"job {job_id} has no delivery manifest in {env.location}", fg="red", err=True)
        sys.exit(1)
    root = env.store.uri("k")[:-1]
    for deliverable in manifest.deliverables:
        signed = env.store.signed_url(deliverable.uri.removeprefix(root), SIGNED_URL_SECONDS)
        if signed is None:
            click.secho(f"{env.location} cannot sign URLs (a local folder, or no signing key set)", fg="red", err=True)
            sys.exit(1)
        deliverable.signed_url, deliverable.expires_at = signed
    env.store.put_bytes(artefact_key("delivery_manifest", job_id), pretty_json(manifest).encode())
    click.echo(f"renewed {len(manifest.deliverables)} signed URL(s); they expire at {manifest.deliverables[0].expires_at}")
