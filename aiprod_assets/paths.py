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


def cut_sound_cache() -> Path:
    """Where this machine keeps the sounds its cuts encoded (media/sound_cache.py): the device worker and the
    final_cut step, which both make cuts, share the command's AIPROD home."""
    return aiprod_home() / "cache" / "cut-sound"
