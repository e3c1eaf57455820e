"""The artifact store a location names: a local folder, or gs://bucket/prefix (AIPROD_STORE)."""

import os

import dagster as dg

from resources.artifact_store import ArtifactStore, LocalArtifactStore

SIGNING_KEY_ENV = "AIPROD_GCS_SIGNING_KEY"


def make_store(location: str, in_dagster: bool = True) -> ArtifactStore:
    """The store for ``location``. Inside Dagster secrets stay EnvVar references, resolved at run time;
    a command outside it (the CLI) reads them from the environment itself."""
    if not location.startswith("gs://"):
        return LocalArtifactStore(root=location)
    # Google's clients take most of a second to import: only a GCS deployment pays for them.
    from dagster_gcp import GCSResource

    from resources.gcs_store import GcsArtifactStore, parse_gs_uri

    bucket, prefix = parse_gs_uri(location)
    # The signing key is a secret: only its variable's name is in the config, never the key.
    signing = None
    if os.environ.get(SIGNING_KEY_ENV):
        signing = dg.EnvVar(SIGNING_KEY_ENV) if in_dagster else os.environ[SIGNING_KEY_ENV]
    return GcsArtifactStore(bucket=bucket, prefix=prefix, signing_key_json=signing,
                            gcs=GCSResource(project=os.environ.get("GOOGLE_CLOUD_PROJECT")))
