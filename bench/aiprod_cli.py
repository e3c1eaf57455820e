"""The `aiprod` console script as the benches run it: in a child process, over a home of their own."""

import os
import sys
from pathlib import Path

import psutil


def aiprod_script() -> str:
    """The script installed beside this interpreter, else whatever PATH finds."""
    beside = Path(sys.executable).parent / "aiprod"
    return str(beside) if beside.exists() else "aiprod"


def aiprod_env(home: Path) -> dict[str, str]:
    """This environment with ``home`` as AIPROD_HOME (its store and Dagster home inside), and no store or
    Dagster home of the caller's."""
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "AIPROD_STORE")}
    env["AIPROD_HOME"] = str(home / ".aiprod")
    return env


def cpu_seconds(process: psutil.Process) -> float:
    """User + system seconds of a running process and its children (a CLI's or the app's device worker)."""
    return sum(times.user + times.system
               for times in (p.cpu_times() for p in (process, *process.children(recursive=True))))
