"""The artifact store a location names: a local folder, or gs://bucket/prefix (AIPROD_STORE)."""

import os

from dagster_gcp import GCSResource

from resources.artifact_store import ArtifactStore, LocalArtifactStore
from resources.gcs_store import GcsArtifactStore, parse_gs_uri


def make_store(location: str) -> ArtifactStore:
    if location.startswith("gs://"):
        bucket, prefix = parse_gs_uri(location)
        return GcsArtifactStore(bucket=bucket, prefix=prefix,
                                gcs=GCSResource(project=os.environ.get("GOOGLE_CLOUD_PROJECT")))
    return LocalArtifactStore(root=location)
