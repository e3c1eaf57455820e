"""A folder on this machine as the artefact store, in plain Python: what resources.artifact_store's
LocalArtifactStore is, and what a command uses before it has loaded Dagster (an edited shot's render is asked
for first: cli/review_commands.py)."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from aiprod_assets.layout import check_key


def write_whole(path: Path, write, stored: bool = False) -> None:
    """``write(handle)`` into a file beside ``path``, then renamed over it: a reader meets the file before or
    the one after, never one being written. ``stored``: an artefact, on disk before the rename and readable by
    the team's other accounts (mkstemp makes it 0600)."""
    fd, part = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            if stored:
                handle.flush()
                os.fsync(handle.fileno())
        if stored:
            os.chmod(part, 0o644)
        os.replace(part, path)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise


class LocalFolderMethods:
    """The store's operations on the folder at ``self.root``; writes go to a temp file in the same folder,
    then rename."""

    root: str

    def _path(self, key: str) -> Path:
        return Path(self.root).resolve() / check_key(key)

    def _atomic_write(self, key: str, write) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, write, stored=True)
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

    def open_read(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def append_line(self, key: str, line: str) -> None:
        # O_APPEND under an exclusive lock: whole lines, in some order, from every writer.
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = (line.rstrip("\n") + "\n").encode("utf-8")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock

    def read_lines(self, key: str) -> list[str]:
        path = self._path(key)
        if not path.is_file():
            return []
        with open(path, "rb") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH)  # never half a line being written
            return handle.read().decode("utf-8", errors="replace").splitlines()

    def list_with_times(self, prefix: str) -> list[tuple[str, float]]:
        base = Path(self.root).resolve()
        return [(key, (base / key).stat().st_mtime) for key in self.list_keys(prefix)]

    def local_copy(self, key: str, folder: Path) -> Path:
        # Already on this disk: readers get the stored file itself, which writes only ever replace.
        return self._path(key)

    def stored_file(self, key: str) -> Path | None:
        return self._path(key)


@dataclass(frozen=True)
class LocalFolderStore(LocalFolderMethods):
    """The local folder at ``root`` as a layout.Store."""

    root: str
