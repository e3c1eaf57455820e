"""The `aiprod` console script as the benches run it: in a child process, over a home of their own."""

import compileall
import json
import os
import sys
import time
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


PROJECT = Path(__file__).resolve().parent.parent
PACKAGES = ("aiprod_assets", "resources", "sensors")


def compile_project() -> bool:
    """Write the project's bytecode, as pip does for an installed package and Python on a module's first import,
    so each command starts as it does on a user's machine from its second run on. An editable install has
    none until then, and where PYTHONDONTWRITEBYTECODE is set (these machines' environment sets it) never:
    every command then compiles some 180 modules again, about 0.4 s of its start. True where that was so."""
    missing = not all((PROJECT / package / "__pycache__").is_dir() for package in PACKAGES)
    for package in PACKAGES:
        compileall.compile_dir(str(PROJECT / package), quiet=1)
    return missing


def small_brief(folder: Path, job_id: str) -> Path:
    """A 2 s 360p brief written in ``folder``: a home's first job (its device profile), or a job whose size
    is not the point."""
    path = folder / f"{job_id}.json"
    path.write_text(json.dumps({"job_id": job_id, "prompt": "A lighthouse at dusk.", "duration_sec": 2,
                                "budget_usd": 1.0, "resolution": "360p"}))
    return path


_LINGERING = ("device_worker_process", "aiprod_assets.cli.warm_server")


def lingering_workers() -> list[psutil.Process]:
    """Processes an earlier command left lingering: device workers (rendering/previz/lingering.py) and warm
    processes (cli/warm_start.py) with the forks running commands. A command may take one instead of starting
    its own, and then its CPU and memory are the command's too."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if any(kind in part for part in process.info["cmdline"] or () for kind in _LINGERING):
            found.append(process)
    return found


def process_cpu(process: psutil.Process) -> float | None:
    """User + system seconds of ``process``, and of the children it waited for (a warm process's forks)."""
    try:
        times = process.cpu_times()
        return times.user + times.system + times.children_user + times.children_system
    except psutil.Error:
        return None


def settle(idle_sec: float = 0.3, at_most_sec: float = 20.0) -> None:
    """Wait until the lingering processes stop working (a warm process importing what commands use as the
    command that left it ended): the next measurement then has the machine to itself, as a user's next
    command, a moment later, would."""
    deadline = time.monotonic() + at_most_sec
    before = sum(process_cpu(p) or 0.0 for p in lingering_workers())
    while time.monotonic() < deadline:
        time.sleep(idle_sec)
        now = sum(process_cpu(p) or 0.0 for p in lingering_workers())
        if now - before < 0.02:
            return
        before = now


def cpu_seconds(process: psutil.Process, taken_workers: bool = False) -> float:
    """User + system seconds of a running process and its children (a CLI's or the app's device worker); with
    ``taken_workers``, of every other device worker too: one it took (lingering.py) is not its child, and
    the others idle meanwhile."""
    tree = [process, *process.children(recursive=True)]
    taken = [w for w in lingering_workers() if w.pid not in {p.pid for p in tree}] if taken_workers else []
    return sum(cpu for p in (*tree, *taken) if (cpu := process_cpu(p)) is not None)
