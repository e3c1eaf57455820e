"""A process of its own that makes a work folder and keeps it, to be killed as a crashed command would be."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.jobs import REPO

_HOLD = ("import sys, time\n"
         "from aiprod_assets.work_folders import WorkFolder\n"
         "folder = WorkFolder(sys.argv[1])\n"
         "(folder.path / 's01-01.mp4').write_bytes(b'part of a clip')\n"
         "print(folder.path, flush=True)\n"
         "time.sleep(600)\n")


def holding_process(temp: Path, label: str = "job-x") -> tuple[subprocess.Popen, Path]:
    """The process, and the folder it made under ``temp`` (with a partial clip in it)."""
    process = subprocess.Popen([sys.executable, "-c", _HOLD, label], cwd=REPO,
                               env={**os.environ, "TMPDIR": str(temp)}, stdout=subprocess.PIPE, text=True)
    return process, Path(process.stdout.readline().strip())
