"""A device worker that outlives its command, for the next command run the same way: taken only by such a
command, one at a time, gone when idle long enough or when the command that has it is killed, and never
holding its last command's output or folder."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import av
import pytest

from aiprod_assets.canonical import file_sha256
from aiprod_assets.rendering.previz import lingering
from tests.support.cli import aiprod
from tests.support.review import write_brief

REPO = Path(__file__).resolve().parent.parent

# A command that may render, as the CLI's are: its worker for the length of the command, rendering a 12-frame
# shot to OUT where one is named; HOLD keeps it running (to be killed).
COMMAND = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from aiprod_assets.planning.profiles import render_profile
    from aiprod_assets.rendering.previz.device_worker import warm_device_worker
    from tests.support.shots import make_shot
    out, hold = sys.argv[1], sys.argv[2] == "hold"
    with warm_device_worker() as worker:
        if out:
            worker.render("job-l", make_shot(frames=12), render_profile("360p"), Path(out), "cpu", 1)
        print(json.dumps({"pid": worker.pid, "attached": worker.attached}), flush=True)
        if hold:
            time.sleep(600)
""")


@pytest.fixture
def tmp(tmp_path):
    """This test's temporary folder for its commands: a worker's name includes it, so the test's workers are
    its own; every one still lingering is stopped afterwards."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    yield folder
    for pid in workers_of(folder):
        os.kill(pid, signal.SIGTERM)


def workers_of(tmp: Path) -> list[int]:
    """The device workers whose temporary folder is ``tmp``."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if b"device_worker_process" not in (proc / "cmdline").read_bytes():
                continue
            if f"TMPDIR={tmp}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            continue  # ended as it was read
    return found


def _env(tmp: Path, linger: str = "60", **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp), lingering.LINGER_ENV: linger, **extra}


def run_command(tmp: Path, out: str = "", linger: str = "60", **extra: str) -> dict:
    """One command in tmp's parent folder (``out`` is relative to it); its JSON line."""
    # capture_output reads to the end of the command's output: a worker holding it would keep this waiting.
    done = subprocess.run([sys.executable, "-c", COMMAND, out, "no"], cwd=tmp.parent, env=_env(tmp, linger, **extra),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


def hold_command(tmp: Path, **extra: str) -> tuple[subprocess.Popen, dict]:
    held = subprocess.Popen([sys.executable, "-c", COMMAND, "", "hold"], cwd=tmp.parent, env=_env(tmp, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return held, json.loads(held.stdout.readline())


def gone(pid: int, within_sec: float = 20) -> bool:
    deadline = time.monotonic() + within_sec
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except FileNotFoundError:
            return True
        if state == "Z":
            return True
        time.sleep(0.1)
    return False


def test_how_long_a_worker_lingers_is_a_setting(monkeypatch, capsys):
    monkeypatch.delenv(lingering.LINGER_ENV, raising=False)
    assert lingering.linger_seconds() == lingering.DEFAULT_LINGER_SEC == 120
    monkeypatch.setenv(lingering.LINGER_ENV, "2.5")
    assert lingering.linger_seconds() == 2.5
    monkeypatch.setenv(lingering.LINGER_ENV, "0")
    assert lingering.linger_seconds() == 0
    for bad in ("soon", "-3", "inf"):
        monkeypatch.setenv(lingering.LINGER_ENV, bad)
        assert lingering.linger_seconds() == 0
        assert f"{lingering.LINGER_ENV}={bad!r} is not a number of seconds >= 0" in capsys.readouterr().err


def test_the_name_a_worker_lingers_under_changes_with_the_environment_and_the_code(monkeypatch, tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "module.py").write_text("x = 1\n")
    monkeypatch.setattr(lingering, "_CODE", code)
    name = lingering.worker_name()
    monkeypatch.setenv("PWD", "/elsewhere")  # the shell's, per command
    monkeypatch.setenv(lingering.LINGER_ENV, "5")
    assert lingering.worker_name() == name
    monkeypatch.setenv("AIPROD_PLANNER", "gemini")
    assert lingering.worker_name() != name
    monkeypatch.delenv("AIPROD_PLANNER")
    assert lingering.worker_name() == name
    os.utime(code / "module.py", ns=(0, 10**18))  # the code changed on disk
    assert lingering.worker_name() != name


def test_a_worker_outlives_its_command_and_the_next_command_takes_it(tmp, tmp_path):
    first = run_command(tmp, "first.mp4")
    assert first["attached"] is False
    pid = first["pid"]
    assert not gone(pid, within_sec=0.5)
    # Lingering, it holds none of the command's: no folder, no output (it is /dev/null), no terminal.
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    assert {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in (0, 1, 2)} == {os.devnull}
    assert os.getsid(pid) == pid

    second = run_command(tmp, "second.mp4")
    assert second == {"pid": pid, "attached": True}
    # The same render as a fresh worker's, written where the command asked: a path relative to the command's
    # folder is the command's, for the worker works in it while it serves.
    assert file_sha256(tmp_path / "second.mp4") == file_sha256(tmp_path / "first.mp4")
    with av.open(str(tmp_path / "second.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == 12
    assert workers_of(tmp) == [pid]


def test_a_command_run_another_way_or_while_the_worker_is_busy_gets_a_fresh_one(tmp):
    lingering_pid = run_command(tmp)["pid"]
    other = run_command(tmp, AIPROD_PLANNER="local")  # another environment: its own worker
    assert other["attached"] is False and other["pid"] != lingering_pid

    held, holding = hold_command(tmp)
    try:
        assert holding == {"pid": lingering_pid, "attached": True}
        meanwhile = run_command(tmp)  # the lingering one is busy: nobody waits for it
        assert meanwhile["attached"] is False and meanwhile["pid"] != lingering_pid
    finally:
        held.kill()
        held.wait()


def test_a_command_killed_while_it_has_the_worker_takes_the_worker_with_it(tmp):
    pid = run_command(tmp)["pid"]
    held, holding = hold_command(tmp)
    assert holding == {"pid": pid, "attached": True}
    held.send_signal(signal.SIGKILL)
    held.wait()
    assert gone(pid)
    assert run_command(tmp)["attached"] is False


def test_an_idle_worker_goes_after_its_seconds_and_zero_stops_it_with_its_command(tmp):
    pid = run_command(tmp, linger="1")["pid"]
    assert gone(pid, within_sec=20)
    stopped = run_command(tmp, linger="0")["pid"]
    assert gone(stopped, within_sec=2) and workers_of(tmp) == []


def test_an_edit_after_a_run_renders_in_the_worker_the_run_left(tmp, tmp_path):
    """`aiprod run`, then `aiprod edit-shot`: the edit takes the worker the run left lingering, and the edited
    shot is rendered ahead in it (asked for before the edit's command loaded Dagster)."""
    extra = {"TMPDIR": str(tmp), lingering.LINGER_ENV: "60"}
    done = aiprod(tmp_path, "run", write_brief(tmp_path, "linger-job", duration_sec=2), env_extra=extra, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    [pid] = workers_of(tmp)
    added = aiprod(tmp_path, "review", "add-user", "ann", "--role", "approver", env_extra=extra)
    assert added.returncode == 0, added.stderr[-2000:]
    edited = aiprod(tmp_path, "edit-shot", "linger-job", "s01-01", "--as", "ann", "--lighting", "night",
                    env_extra=extra, timeout=300)
    assert edited.returncode == 0, edited.stderr[-2000:]
    assert "shot s01-01: rendered ahead" in edited.stderr
    assert "succeeded" in edited.stdout
    assert workers_of(tmp) == [pid]  # the same worker, lingering again
