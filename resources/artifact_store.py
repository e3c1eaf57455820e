"""The artifact store: one interface, and its local-folder implementation (GCS is in resources/gcs_store.py)."""


import io
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO

import dagster as dg

from aiprod_assets.layout import check_key
from aiprod_assets.local_folder import LocalFolderMethods, write_whole


class ArtifactStore(dg.ConfigurableResource, ABC):
    """Where every artefact of a job lives, addressed by relative keys (DESIGN.md §4)."""

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> str:
        """Write atomically; return the uri."""

    @abstractmethod
    def put_file(self, key: str, path: str | Path) -> str:
        """Copy a finished local file in atomically; return the uri."""

    @abstractmethod
    def get_bytes(self, key: str) -> bytes: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def list_keys(self, prefix: str) -> list[str]:
        """Keys under ``prefix``, sorted."""

    @abstractmethod
    def delete(self, key: str) -> None: ...

    @abstractmethod
    def uri(self, key: str) -> str: ...

    def signed_url(self, key: str, expires_in_sec: int) -> tuple[str, str] | None:
        """(url, expiry ISO time) for a time-limited download link, or None where the store has none."""
        return None

    def size(self, key: str) -> int:
        return len(self.get_bytes(key))

    def open_read(self, key: str) -> BinaryIO:
        """The object as a stream, for readers that must not hold all of it (uploads of any size)."""
        return io.BytesIO(self.get_bytes(key))

    @abstractmethod
    def append_line(self, key: str, line: str) -> None:
        """Add one line to the log at ``key`` without reading or rewriting it: many writers at once lose nothing."""

    @abstractmethod
    def read_lines(self, key: str) -> list[str]:
        """Every line of the log at ``key``, oldest first; [] when there is none."""

    def list_with_times(self, prefix: str) -> list[tuple[str, float]]:
        """(key, last update as a POSIX time) under ``prefix``; stores override this with one listing call."""
        raise NotImplementedError

    def local_copy(self, key: str, folder: Path) -> Path:
        """A local file with the object's bytes, for tools that need a path (decoders, encoders)."""
        return self._copied_into(key, folder, lambda handle: handle.write(self.get_bytes(key)))

    @staticmethod
    def _copied_into(key: str, folder: Path, write) -> Path:
        """The file for ``key`` in ``folder``, written whole by ``write(handle)``: where one folder serves many
        readers (the review app's media), a reader of the copy before, or of this one, never meets a file being
        written."""
        path = Path(folder) / check_key(key).replace("/", "__")
        write_whole(path, write)
        return path

    def stored_file(self, key: str) -> Path | None:
        """The stored object itself as a file on this disk, which another process may read; None where the
        store keeps its objects elsewhere."""
        return None


class LocalArtifactStore(LocalFolderMethods, ArtifactStore):
    """A folder on this machine; writes go to a temp file in the same folder, then rename."""

    root: str
