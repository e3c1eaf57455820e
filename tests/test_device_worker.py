"""The device worker: previz renders in a process that imported torch while the CLI loaded Dagster; the
same clip as a render here, its previews, its errors, and it never outlives its parent."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
import torch

from aiprod_assets.canonical import file_sha256
from aiprod_assets.media.decode import video_frames
from aiprod_assets.media.preview import preview_frame
from aiprod_assets.media.torch_device import describe_device, resolve_device
from aiprod_assets.planning.profiles import render_profile
from aiprod_assets.rendering.previz import device_worker
from aiprod_assets.rendering.previz.device_worker import (
    DeviceWorker,
    DeviceWorkerGone,
    warm_device_worker,
)
from aiprod_assets.rendering.previz.scene import PrevizScene
from aiprod_assets.testing.local_server import free_port
from tests.support.cli import aiprod_command, aiprod_env
from tests.support.review import write_brief
from tests.support.shots import make_shot

PROFILE = render_profile("360p")


@pytest.fixture(scope="module")
def worker():
    started = DeviceWorker.start()
    yield started
    started.close()


def test_the_worker_describes_the_device_as_this_process_would(worker):
    assert worker.describe("cpu", 0) == ("cpu", describe_device(resolve_device("cpu")))
    with pytest.raises(ValueError, match="'tpu' is not allowed: auto, cpu, cuda or cuda:N"):
        worker.describe("tpu", 0)  # the worker's own exception, raised here
    assert worker.alive  # and it serves on


def test_a_clip_rendered_in_the_worker_is_the_clip_rendered_here(worker, tmp_path):
    shot = make_shot(frames=30)
    drawn = {}

    def on_frame(index, frame):
        drawn[index] = frame
    on_frame.every = 1
    seconds, encoded, ahead = worker.render("job-w", shot, PROFILE, tmp_path / "there.mp4", "cpu", 0,
                                            on_frame=on_frame, measure=True)
    assert seconds > 0 and not ahead
    # What QA reads of the pictures comes back measured as they were encoded, for these very bytes.
    assert encoded.sha256 == file_sha256(tmp_path / "there.mp4") and encoded.video.decoded_frames == 30
    # The worker draws exactly the frames this process draws (each sent as its preview, not the frame)...
    scene = PrevizScene(shot.spec, PROFILE, shot.seed, torch.device("cpu"))
    drawn_here = [scene.frame(i) for i in range(30)]
    assert sorted(drawn) == list(range(30))
    assert all(np.array_equal(drawn[i], preview_frame(drawn_here[i])) for i in range(30))
    assert drawn[0].size < drawn_here[0].size
    # ...and its file holds them (x264's threads make two encodes of the same frames differ by a code value
    # here and there, in any two processes, so the file is compared with what was drawn).
    decoded = list(video_frames(tmp_path / "there.mp4"))
    assert len(decoded) == 30
    assert max(_mean_difference(decoded[i], drawn_here[i]) for i in range(30)) < 3.0
    other = PrevizScene(shot.spec, PROFILE, shot.seed + 1, torch.device("cpu"))
    assert min(_mean_difference(decoded[i], other.frame(i)) for i in range(30)) > 5.0


def _mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_previews_come_back_every_nth_frame(worker, tmp_path):
    seen = []

    def on_frame(index, frame):
        seen.append((index, frame.shape))
    on_frame.every = 12
    worker.render("job-w", make_shot(frames=30), PROFILE, tmp_path / "c.mp4", "cpu", 0, on_frame=on_frame)
    # Each as its preview: a few kilobytes, not the frame.
    preview = preview_frame(np.zeros((PROFILE.height * 3 // 2, PROFILE.width), np.uint8)).shape
    assert preview[1] < PROFILE.width and seen == [(i, preview) for i in (0, 12, 24)]


def test_a_worker_that_dies_under_a_render_is_reported_and_no_longer_offered(tmp_path):
    with warm_device_worker() as worker:
        assert device_worker.warm_worker() is worker

        def kill_midway(index, frame):
            if index == 5:  # the worker is drawing: kill it there
                os.kill(worker.process.pid, signal.SIGKILL)
        kill_midway.every = 1
        with pytest.raises(DeviceWorkerGone, match="died"):
            worker.render("job-w", make_shot(frames=240), PROFILE, tmp_path / "c.mp4", "cpu", 0,
                          on_frame=kill_midway)
        assert device_worker.warm_worker() is None  # renders go back to this process
    assert device_worker.warm_worker() is None


def test_switched_off_no_worker_starts(monkeypatch):
    monkeypatch.setenv("AIPROD_DEVICE_WORKER", "0")
    with warm_device_worker() as worker:
        assert worker is None and device_worker.warm_worker() is None


PARENT = textwrap.dedent("""
    import sys, time
    from aiprod_assets.rendering.previz.device_worker import DeviceWorker
    worker = DeviceWorker.start()
    print(worker.process.pid, flush=True)
    time.sleep(600)
""")


def test_the_worker_dies_with_its_parent_even_by_kill_9(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    worker_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(worker_pid):
        time.sleep(0.1)
    assert not _alive(worker_pid)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie is dead; only its reaper (init here) is late


TORCH_AT_EXIT = textwrap.dedent("""
    import atexit, sys
    atexit.register(lambda: print("torch imported here:", "torch" in sys.modules,
                                  "pandas imported here:", "pandas" in sys.modules, file=sys.stderr))
    from aiprod_assets.cli.entry import main
    sys.argv = ["aiprod", *sys.argv[1:]]
    main()
""")


def test_a_cli_job_renders_in_the_worker_and_never_imports_torch_or_pandas_itself(tmp_path):
    """The point of the worker: the CLI process leaves torch to it (QA included). The machine's first job
    measures the device profile here; every job after it imports no torch in the CLI's process. Nor pandas:
    only the cost ledger's assets need it, and its import was half a second of every job's start."""
    def run(job_id: str) -> subprocess.CompletedProcess:
        brief = write_brief(tmp_path, job_id, duration_sec=2)
        return subprocess.run([sys.executable, "-c", TORCH_AT_EXIT, "run", str(brief)], cwd=tmp_path,
                              env=aiprod_env(tmp_path), capture_output=True, text=True, timeout=300)

    first = run("worker-first")
    assert first.returncode == 0 and "delivered (run" in first.stdout, first.stderr[-2000:]
    second = run("worker-second")
    assert second.returncode == 0 and "delivered (run" in second.stdout, second.stderr[-2000:]
    assert "torch imported here: False pandas imported here: False" in second.stderr
    assert "clip(s) on cpu (" in second.stdout  # the device the worker described


def test_a_failing_preview_fails_the_render_and_the_worker_serves_on(worker, tmp_path):
    def on_frame(index, frame):
        if index == 12:
            raise OSError("store unreachable")
    on_frame.every = 12
    with pytest.raises(OSError, match="store unreachable"):
        worker.render("job-w", make_shot(frames=30), PROFILE, tmp_path / "c.mp4", "cpu", 0, on_frame=on_frame)
    # The replies after the failure were read to the end: the next request gets its own answer.
    assert worker.describe("cpu", 1) == ("cpu", "cpu (1 threads)")


WATCHED_START = textwrap.dedent("""
    import sys
    from aiprod_assets.rendering.previz import device_worker
    start = device_worker.DeviceWorker.start.__func__
    def watched(cls, *args):
        worker = start(cls, *args)
        print("worker", worker.process.pid, "started; dagster imported:", "dagster" in sys.modules,
              "; cli imported:", "aiprod_assets.cli.main" in sys.modules, file=sys.stderr, flush=True)
        return worker
    device_worker.DeviceWorker.start = classmethod(watched)
    from aiprod_assets.cli.entry import main
    sys.argv = ["aiprod", *sys.argv[1:]]
    main()
""")


def _watched(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WATCHED_START, *args], cwd=tmp_path, env=aiprod_env(tmp_path),
                          capture_output=True, text=True, timeout=120)


def test_a_command_that_may_render_starts_its_worker_before_dagster_and_stops_it_however_it_ends(tmp_path):
    """`run` and `edit-shot` start the worker first, before even the CLI's own modules load, so torch imports
    while they and Dagster do, and the command takes that one worker; a command that ends early (a refused
    brief, an edit of a job that is not there) stops it too. Others start none."""
    refused = _watched(tmp_path, "run", str(write_brief(tmp_path, "worker-refused", duration_sec=-3)))
    unknown_job = _watched(tmp_path, "edit-shot", "no-such-job", "s01-01", "--as", "ann", "--lighting", "night")
    for ended in (refused, unknown_job):
        assert ended.returncode != 0
        started = [line for line in ended.stderr.splitlines() if line.startswith("worker ")]
        assert len(started) == 1, ended.stderr[-2000:]  # the early worker is the command's: no second one
        line = started[0]
        assert line.endswith("started; dagster imported: False ; cli imported: False"), ended.stderr[-2000:]
        assert not _alive(int(line.split()[1]))  # stopped and waited for by the command, not left behind
    assert "duration_sec" in refused.stderr  # the refusal itself is as before
    status = _watched(tmp_path, "status", "worker-refused")
    assert "worker " not in status.stderr


def _device_workers_of(parent_pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().split(")")[-1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            continue  # a process that ended as it was read
        if ppid == parent_pid and b"device_worker" in command:
            found.append(int(stat.parent.name))
    return found


def _serve_review_app(tmp_path: Path, *options: str) -> tuple[subprocess.Popen, list[int]]:
    """`aiprod review` up (its API answering), its temporary files in tmp_path/tmp; the device workers it
    started by then."""
    port = free_port()
    (tmp_path / "tmp").mkdir(exist_ok=True)
    app = subprocess.Popen([*aiprod_command(), "review", "--port", str(port), *options], cwd=tmp_path,
                           env=aiprod_env(tmp_path, {"TMPDIR": str(tmp_path / "tmp")}), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/me", timeout=2).status_code == 401:
                return app, _device_workers_of(app.pid)
        except httpx.TransportError:
            pass
        assert app.poll() is None and time.monotonic() < deadline, "the review app did not start"
        time.sleep(0.2)


def test_the_review_app_renders_in_a_device_worker_of_its_own_that_ends_with_it(tmp_path):
    """The app runs what edits call for in its process: their previz renders go to a worker started with
    the app (torch imported there meanwhile, not by the first edit), which stops when the app does. Stopped
    with SIGTERM (a service manager) or Ctrl-C, the app ends cleanly: exit 0, after its command's context
    closed, which stops the worker as a command does (removing its renders-ahead folder,
    test_render_ahead.py), and with its media copies' folder removed. uvicorn raises the signal again once it
    has stopped, and SIGTERM's default then killed the process before any of that: exit -15, its worker
    killed by its parent-death signal, and both folders left in the temporary folder."""
    app, workers = _serve_review_app(tmp_path)
    try:
        assert len(workers) == 1
        assert list((tmp_path / "tmp").glob("aiprod-review-media-*"))  # made as the app starts
    finally:
        app.terminate()
        app.wait(timeout=60)
    assert app.returncode == 0
    assert not _alive(workers[0])
    assert list((tmp_path / "tmp").iterdir()) == []
    quiet, none = _serve_review_app(tmp_path, "--no-local-runs")  # renders nothing: no worker
    quiet.send_signal(signal.SIGINT)
    quiet.wait(timeout=60)
    assert none == []
    assert quiet.returncode == 0
    assert list((tmp_path / "tmp").iterdir()) == []
