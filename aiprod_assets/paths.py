"""Where the embedded defaults keep their state on this machine."""

from __future__ import annotations

import os
from pathlib import Path


def aiprod_home() -> Path:
    return Path(os.environ.get("AIPROD_HOME", ".aiprod")).resolve()


def store_root() -> str:
    return os.environ.get("AIPROD_STORE") or str(aiprod_home() / "store")


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME") or aiprod_home() / "dagster").resolve()
