"""One `aiprod` command timed in a child process, as a user runs it, with its CPU and peak memory (bench/job.py)."""

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.aiprod_cli import (
    aiprod_env,
    aiprod_script,
    lingering_workers,
    process_cpu,
    settle,
)


class TreeMemory(threading.Thread):
    """The peak of the summed memory of a process and its children (the CLI and its device worker), with
    ``others`` (lingering processes it may take) and their children (a warm process's fork running the
    command), sampled. Proportional set sizes: a page a fork shares with its warm process counts once."""

    # Reading a process's proportional set size walks its page tables: about 5 ms for a device worker, 12 ms for
    # a command's processes together, taken from the two cores the command renders on. Four readings a second
    # cost a command under 3% of one core; memory is reported for whole jobs only, the edits run unsampled.
    def __init__(self, pid: int, others: list[psutil.Process], every_sec: float = 0.25):
        super().__init__(daemon=True)
        self.process, self.others, self.every_sec, self.peak = psutil.Process(pid), others, every_sec, 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every_sec):
            try:
                forks = [child for other in self.others for child in other.children()]
                tree = [self.process, *self.process.children(recursive=True), *self.others, *forks]
                self.peak = max(self.peak, sum(p.memory_full_info().pss for p in tree if p.is_running()))
            except psutil.Error:
                pass  # a process ended between the listing and the reading


@dataclass
class Timed:
    seconds: float  # wall, from process start
    rss_mb: float  # peak proportional set size, of the process, its device worker and fork together
    cpu_sec: float  # of the process and its device worker (which it waits for), user + system
    out: str


def timed_run(brief_path: Path, home: Path, *command: str, lingering: bool = True, memory: bool = True) -> Timed:
    """One `aiprod run` (or ``command``) in a child process; ``lingering``: as a user's, taking a worker an
    earlier command left, and leaving its own (else as a first command: its own worker, stopped with it).
    ``memory``: sample the peak memory meanwhile (TreeMemory), which costs CPU the command then lacks."""
    settle()
    others = lingering_workers()
    before = {process.pid: process_cpu(process) for process in others}
    env = {**aiprod_env(home), **({} if lingering else {"AIPROD_WORKER_LINGER_SEC": "0"})}
    started = time.perf_counter()
    child = subprocess.Popen([aiprod_script(), *(command or ("run", str(brief_path)))], cwd=home, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    sampler = TreeMemory(child.pid, others) if memory else None
    if sampler is not None:
        sampler.start()
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if sampler is not None:
        sampler.stopped.set()
        sampler.join()
    if status != 0:
        sys.exit(f"aiprod run failed:\n{out[-2000:]}")
    # The child's usage includes its waited-for children, a worker it started and stopped. A worker it took,
    # or started and left lingering, is not waited for: its CPU since the command started is added.
    taken = 0.0
    for process in lingering_workers():
        then = before.get(process.pid, 0.0)
        now = process_cpu(process)
        if now is not None and then is not None:
            taken += now - then
    return Timed(seconds, max(usage.ru_maxrss * 1024, sampler.peak if sampler else 0) / 2**20,
                 usage.ru_utime + usage.ru_stime + taken, out)
