"""A command that renders, run in a fork of the warm process an earlier command run the same way left
(cli/warm_start.py, cli/warm_server.py): its output, exit status, folder and environment are the command's,
the signals it gets are passed on, it dies with a command killed outright, and nothing else takes it."""

import os
import signal
import subprocess
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef

from aiprod_assets.cli import warm_start
from aiprod_assets.rendering.previz import lingering
from sensors.dead_runs import PID_TAG
from tests.support.cli import aiprod_command, aiprod_env
from tests.support.review import write_brief

LINGERING = (b"device_worker_process", b"aiprod_assets.cli.warm_server")


@pytest.fixture
def tmp(tmp_path):
    """This test's temporary folder for its commands: the lingering processes' names include it, so they are
    the test's own; every one still there is stopped afterwards."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    yield folder
    for pid, _ in lingering_of(folder):
        os.kill(pid, signal.SIGKILL)


def lingering_of(tmp: Path) -> list[tuple[int, list[bytes]]]:
    """(pid, command line) of the device workers, warm processes and their forks whose TMPDIR is ``tmp``."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
            if any(kind in cmdline for kind in LINGERING) and \
                    f"TMPDIR={tmp}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                found.append((int(proc.name), cmdline.split(b"\0")))
        except OSError:
            continue  # ended as it was read
    return found


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    return aiprod_env(tmp.parent, {"TMPDIR": str(tmp), lingering.LINGER_ENV: "60", **extra})


def aiprod_in(tmp: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([*aiprod_command(), *args], cwd=tmp.parent, env=_env(tmp, **extra), capture_output=True,
                          text=True, timeout=300)


def warm_process_ready(tmp: Path, within_sec: float = 60) -> int:
    """The pid of tmp's warm process once it listens (it imports Dagster first)."""
    deadline = time.monotonic() + within_sec
    while time.monotonic() < deadline:
        for pid, cmdline in lingering_of(tmp):
            if b"aiprod_assets.cli.warm_server" in cmdline and \
                    f"@{cmdline[3].decode()}" in Path("/proc/net/unix").read_text():
                return pid
        time.sleep(0.1)
    raise AssertionError("no warm process listening")


def forks_of(tmp: Path, warm_pid: int) -> list[int]:
    return [pid for pid, _ in lingering_of(tmp)
            if pid != warm_pid and int(Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[1]) == warm_pid]


def last_run_pid(tmp: Path, job_id: str) -> int:
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(tmp.parent / ".aiprod" / "dagster"))) as instance:
        run = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": job_id}), limit=1)[0]
        return int(run.tags[PID_TAG])


def gone(pid: int, within_sec: float = 10) -> bool:
    deadline = time.monotonic() + within_sec
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_the_warm_name_changes_with_the_code_of_every_package_it_imports_and_the_environment(monkeypatch, tmp_path):
    packages = []
    for package in ("aiprod_assets", "resources", "sensors"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "module.py").write_text("x = 1\n")
        packages.append(tmp_path / package)
    monkeypatch.setattr(warm_start, "_CODE", tuple(packages))
    name = warm_start.warm_name()
    assert name.startswith("aiprod-warm-command-") and name != lingering.worker_name()
    monkeypatch.setenv("COLUMNS", "200")  # the terminal's, per window
    assert warm_start.warm_name() == name
    monkeypatch.setenv("AIPROD_APPROVAL", "required")
    assert warm_start.warm_name() != name
    monkeypatch.delenv("AIPROD_APPROVAL")
    os.utime(tmp_path / "sensors" / "module.py", ns=(0, 10**18))
    assert warm_start.warm_name() != name


def test_a_command_run_the_same_way_as_the_last_runs_in_a_fork_of_the_warm_process_it_left(tmp):
    brief = write_brief(tmp.parent, "warm-run", duration_sec=1).name  # relative: the caller's folder counts
    first = aiprod_in(tmp, "run", brief)
    assert first.returncode == 0 and "delivered (run" in first.stdout, first.stderr[-2000:]
    cold_pid = last_run_pid(tmp, "warm-run")
    warm_pid = warm_process_ready(tmp)

    again = subprocess.Popen([*aiprod_command(), "run", brief, "--force"], cwd=tmp.parent, env=_env(tmp),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0 and "delivered (run" in out, err[-2000:]
    assert "job warm-run: store" in out and "warm-run:" in err  # its stdout and its progress bar, both here
    run_pid = last_run_pid(tmp, "warm-run")
    assert run_pid not in (cold_pid, again.pid) and gone(run_pid)  # a fork ran it, and is gone with it

    refused = aiprod_in(tmp, "run", write_brief(tmp.parent, "warm-refused", duration_sec=-3).name)
    assert refused.returncode == 2 and "duration_sec" in refused.stderr  # the fork's status and stderr
    assert warm_process_ready(tmp) == warm_pid  # it serves on, one fork per command

    # Run another way (a setting changed): not this warm process's to run; the command runs itself.
    other = subprocess.Popen([*aiprod_command(), "run", brief, "--force"], cwd=tmp.parent,
                             env=_env(tmp, AIPROD_APPROVAL="none"), stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    assert other.wait(timeout=300) == 0 and last_run_pid(tmp, "warm-run") == other.pid


def _running_in_a_fork(tmp: Path, brief: str) -> tuple[subprocess.Popen, int, int]:
    warm_pid = warm_process_ready(tmp)
    command = subprocess.Popen([*aiprod_command(), "run", brief], cwd=tmp.parent, env=_env(tmp),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (forks := forks_of(tmp, warm_pid)):
        assert time.monotonic() < deadline and command.poll() is None, f"no fork ran it: {lingering_of(tmp)}"
        time.sleep(0.05)
    time.sleep(1.5)  # into the run
    return command, warm_pid, forks[0]


def test_a_command_killed_outright_takes_its_fork_along_and_ctrl_c_reaches_it(tmp):
    warm_up = aiprod_in(tmp, "run", write_brief(tmp.parent, "warm-first", duration_sec=1).name)
    assert warm_up.returncode == 0, warm_up.stderr[-2000:]
    brief = write_brief(tmp.parent, "warm-killed", duration_sec=20).name

    command, warm_pid, fork = _running_in_a_fork(tmp, brief)
    command.kill()
    command.wait()
    assert gone(fork, within_sec=1)  # at once, not at the end of its run
    assert not forks_of(tmp, warm_pid) and not gone(warm_pid, within_sec=0.5)  # the warm process serves on

    command, warm_pid, fork = _running_in_a_fork(tmp, brief)
    command.send_signal(signal.SIGINT)  # Ctrl-C
    _, err = command.communicate(timeout=120)
    assert command.returncode != 0 and "Aborted" in err and gone(fork), err[-2000:]

    resumed = aiprod_in(tmp, "run", brief)
    assert resumed.returncode == 0 and "delivered (run" in resumed.stdout, resumed.stderr[-2000:]


def test_the_warm_process_goes_after_its_seconds_and_none_is_left_with_lingering_off(tmp):
    brief = write_brief(tmp.parent, "warm-brief", duration_sec=1).name
    assert aiprod_in(tmp, "run", brief, **{lingering.LINGER_ENV: "0"}).returncode == 0
    time.sleep(1)
    assert lingering_of(tmp) == []
    assert aiprod_in(tmp, "run", brief, "--force", **{lingering.LINGER_ENV: "1"}).returncode == 0
    warm_pid = warm_process_ready(tmp)
    assert gone(warm_pid, within_sec=10)
