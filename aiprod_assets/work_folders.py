"""Temporary folders that never outlive their work: removed when it ends, or, where its process was killed
(kill -9, the OOM killer), by the next process that makes one.

A process killed with SIGKILL runs no cleanup, so a ``tempfile.TemporaryDirectory`` of a killed render stays in
the temporary folder with its clips for good. Each folder here holds an open, locked file (``.held``) for as
long as its process lives; the kernel drops the lock when the process ends, however it ends. Making a folder
sweeps away every folder whose lock can be taken: their makers are gone. A lock, not the pid in the name,
decides: a recycled pid, or a process in another PID namespace sharing the folder, is never taken for its maker.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path

_PREFIX = "aiprod-"
_HELD = ".held"


class WorkFolder:
    """A folder of this process's, held until ``remove()``."""

    def __init__(self, label: str):
        remove_abandoned()
        self.path = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{label}-{os.getpid()}-"))
        # Locked before it takes its name: a sweep never sees a .held that is not yet locked.
        making = self.path / f"{_HELD}.making"
        lock = os.open(making, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(making, self.path / _HELD)
        # Like TemporaryDirectory: one never removed goes when it is collected, or as the interpreter exits.
        self._removal = weakref.finalize(self, _remove, self.path, lock)

    def remove(self) -> None:
        """Remove the folder with all it holds; called again, nothing."""
        self._removal()


def _remove(path: Path, lock: int) -> None:
    shutil.rmtree(path, ignore_errors=True)
    os.close(lock)


@contextlib.contextmanager
def work_folder(label: str) -> Iterator[Path]:
    """A temporary folder for the block, named ``aiprod-<label>-<pid>-…`` so a person can tell whose it is."""
    folder = WorkFolder(label)
    try:
        yield folder.path
    finally:
        folder.remove()


def remove_abandoned(temp: Path | None = None) -> list[Path]:
    """Remove the work folders under ``temp`` (the temporary folder) whose process is gone; the folders removed."""
    removed = []
    for folder in Path(temp or tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            lock = os.open(folder / _HELD, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue  # not one of ours, or another user's
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # its process lives
        finally:
            os.close(lock)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
