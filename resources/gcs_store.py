"""The artifact store on Google Cloud Storage: gs://bucket/prefix, behind the same interface as the local one.

Writes are atomic in GCS's own way: a new object is created with if_generation_match=0 and an
existing one is replaced only at the generation we read (a checked overwrite); every upload
sends a crc32c the server verifies. Video goes up as resumable uploads.
"""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
from dagster_gcp import GCSResource

from aiprod_assets.contracts import SIGNED_URL_SECONDS
from aiprod_assets.layout import check_key, log_entry_prefix
from resources.artifact_store import ArtifactStore

RESUMABLE_CHUNK_BYTES = 8 * 1024 * 1024
_GS_URI = re.compile(r"^gs://(?P<bucket>[a-z0-9][a-z0-9._-]{1,61}[a-z0-9])(?:/(?P<prefix>.*))?$")


def parse_gs_uri(uri: str) -> tuple[str, str]:
    match = _GS_URI.fullmatch(uri)
    if not match:
        raise ValueError(f"{uri!r} is not a GCS location: gs://bucket[/prefix]")
    return match["bucket"], (match["prefix"] or "").strip("/")


class GcsArtifactStore(ArtifactStore):
    """gs://bucket/prefix through dagster-gcp's GCSResource client."""

    bucket: str
    prefix: str = ""
    gcs: dg.ResourceDependency[GCSResource]
    retry_deadline_sec: float = 60.0  # how long transient errors are retried before a call fails
    # A service-account key (JSON) to sign download URLs with; set it from the environment (dg.EnvVar).
    signing_key_json: str | None = None

    def _retry(self):
        from google.cloud.storage.retry import DEFAULT_RETRY

        return DEFAULT_RETRY.with_deadline(self.retry_deadline_sec)

    def _bucket(self):
        return self.gcs.get_client().bucket(self.bucket)

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix.strip('/')}/{key}" if self.prefix.strip("/") else key

    def _generation_precondition(self, blob) -> int:
        """0 for a new object; the current generation for a checked overwrite."""
        current = self._bucket().get_blob(blob.name)
        return 0 if current is None else int(current.generation)

    def put_bytes(self, key: str, data: bytes) -> str:
        blob = self._bucket().blob(self._name(key))
        blob.upload_from_string(data, if_generation_match=self._generation_precondition(blob), checksum="crc32c")
        return self.uri(key)

    def put_file(self, key: str, path: str | Path) -> str:
        blob = self._bucket().blob(self._name(key), chunk_size=RESUMABLE_CHUNK_BYTES)
        blob.upload_from_filename(str(path), if_generation_match=self._generation_precondition(blob),
                                  checksum="crc32c")
        return self.uri(key)

    def get_bytes(self, key: str) -> bytes:
        return self._bucket().blob(self._name(key)).download_as_bytes(retry=self._retry())

    def exists(self, key: str) -> bool:
        return self._bucket().blob(self._name(key)).exists()

    def list_keys(self, prefix: str) -> list[str]:
        base = f"{self.prefix.strip('/')}/" if self.prefix.strip("/") else ""
        wanted = base + prefix.strip("/") + ("/" if prefix.strip("/") else "")
        return sorted(b.name[len(base):] for b in self.gcs.get_client().list_blobs(self.bucket, prefix=wanted,
                                                                                  retry=self._retry()))

    def list_with_times(self, prefix: str) -> list[tuple[str, float]]:
        """(key, updated as a POSIX time) under ``prefix``, in one listing call."""
        base = f"{self.prefix.strip('/')}/" if self.prefix.strip("/") else ""
        wanted = base + prefix.strip("/") + "/"
        return [(b.name[len(base):], b.updated.timestamp())
                for b in self.gcs.get_client().list_blobs(self.bucket, prefix=wanted, retry=self._retry())]

    def delete(self, key: str) -> None:
        blob = self._bucket().get_blob(self._name(key))
        if blob is not None:
            blob.delete()

    def uri(self, key: str) -> str:
        return f"gs://{self.bucket}/{self._name(key)}"

    def append_line(self, key: str, line: str) -> None:
        # GCS objects cannot be appended to: one new object per entry, never a read-modify-write.
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.put_bytes(f"{log_entry_prefix(key)}{stamp}-{uuid.uuid4().hex[:12]}", line.rstrip("\n").encode("utf-8"))

    def read_lines(self, key: str) -> list[str]:
        entries = self.list_keys(log_entry_prefix(key))
        return [self.get_bytes(entry).decode("utf-8", errors="replace") for entry in entries]

    def open_read(self, key: str):
        return self._bucket().blob(self._name(key)).open("rb")

    def size(self, key: str) -> int:
        return int(self._bucket().get_blob(self._name(key)).size)

    def signed_url(self, key: str, expires_in_sec: int) -> tuple[str, str] | None:
        """A V4 signed GET URL, its expiry capped at GCS's 7 days; None without a signing key."""
        if not self.signing_key_json:
            return None
        from google.oauth2 import service_account

        credentials = service_account.Credentials.from_service_account_info(json.loads(self.signing_key_json))
        seconds = min(int(expires_in_sec), SIGNED_URL_SECONDS)
        expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
        url = self._bucket().blob(self._name(key)).generate_signed_url(
            version="v4", expiration=timedelta(seconds=seconds), method="GET", credentials=credentials)
        return url, expires_at.isoformat(timespec="seconds")

    def local_copy(self, key: str, folder: Path) -> Path:
        blob = self._bucket().blob(self._name(key))
        return self._copied_into(key, folder, blob.download_to_file)
