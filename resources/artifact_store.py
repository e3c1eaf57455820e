"""The artifact store: one interface, and its local-folder implementation (GCS is in resources/gcs_store.py)."""


import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

import dagster as dg

from aiprod_assets.layout import check_key


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

    def list_with_times(self, prefix: str) -> list[tuple[str, float]]:
        """(key, last update as a POSIX time) under ``prefix``; stores override this with one listing call."""
        raise NotImplementedError

    def local_copy(self, key: str, folder: Path) -> Path:
        """A local file with the object's bytes, for tools that need a path (decoders, encoders)."""
        path = Path(folder) / check_key(key).replace("/", "__")
        path.write_bytes(self.get_bytes(key))
        return path


class LocalArtifactStore(ArtifactStore):
    """A folder on this machine; writes go to a temp file in the same folder, then rename."""

    root: str

    def _path(self, key: str) -> Path:
        return Path(self.root).resolve() / check_key(key)

    def _atomic_write(self, key: str, write) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide artefacts from the team's other accounts
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path.as_uri()

    def put_bytes(self, key: str, data: bytes) -> str:
        return self._atomic_write(key, lambda handle: handle.write(data))

    def put_file(self, key: str, path: str | Path) -> str:
        def copy(handle):
            with open(path, "rb") as source:
                shutil.copyfileobj(source, handle, length=1024 * 1024)
        return self._atomic_write(key, copy)

    def get_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list_keys(self, prefix: str) -> list[str]:
        base = Path(self.root).resolve()
        folder = base / check_key(prefix.rstrip("/")) if prefix.strip("/") else base
        if not folder.is_dir():
            return []
        # Temp files of writes in flight start with '.', and are never listed.
        return sorted(p.relative_to(base).as_posix() for p in folder.rglob("*")
                      if p.is_file() and not p.name.startswith("."))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def list_with_times(self, prefix: str) -> list[tuple[str, float]]:
        base = Path(self.root).resolve()
        return [(key, (base / key).stat().st_mtime) for key in self.list_keys(prefix)]

    def local_copy(self, key: str, folder: Path) -> Path:
        # Already on this disk: readers get the stored file itself, which writes only ever replace.
        return self._path(key)
