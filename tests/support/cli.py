"""The `aiprod` console script run as a user runs it: a fresh process on a temporary home."""

import os
import shutil
import subprocess
import sys
from pathlib import Path


def aiprod_command() -> list[str]:
    """The console script installed beside this interpreter, whatever PATH says."""
    beside = Path(sys.executable).parent / "aiprod"
    exe = str(beside) if beside.exists() else shutil.which("aiprod")
    assert exe, "the aiprod console script is installed with the package"
    return [exe]


def aiprod_env(home: Path, env_extra: dict | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "AIPROD_STORE")}
    env["AIPROD_HOME"] = str(home / ".aiprod")
    env.update(env_extra or {})
    return env


def aiprod(home: Path, *args, env_extra=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*aiprod_command(), *map(str, args)], cwd=home, env=aiprod_env(home, env_extra),
                          capture_output=True, text=True, timeout=timeout)


def start_aiprod(home: Path, *args, env_extra=None) -> subprocess.Popen:
    return subprocess.Popen([*aiprod_command(), *map(str, args)], cwd=home, env=aiprod_env(home, env_extra),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
