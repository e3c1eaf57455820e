"""A process that holds torch and the previz renderer, started by a CLI command before it imports Dagster.

Importing torch costs about a second of one core, and Dagster, its instance and the code location about two
more, one after the other, before a job's first step. Started first, the worker imports torch and warms
the renderer on the other core meanwhile, and the job's previz shots render in it. Nothing else changes:
the clip is written where the render step asked, and QA, the store and the run's records stay with Dagster.
The worker dies with its parent (a kill -9 included) and serves one request at a time: the device is one.
A command that knows which shot its run will render first may ask for it ahead (render_ahead.py).

The worker's side is device_worker_process.py; a worker may outlive its command a while (lingering.py).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

from aiprod_assets.rendering.previz import lingering

WORKER_MODULE = "aiprod_assets.rendering.previz.device_worker_process"
LINGER_ANSWER_SEC = 10.0
_warm: DeviceWorker | None = None
_early: DeviceWorker | None = None  # started by the console script, for the command's warm_device_worker


class DeviceWorkerGone(RuntimeError):
    """The worker died under a request (its render is lost; the step's retry renders the shot again)."""


class WorkerRender(NamedTuple):
    seconds: float
    encoded: Any  # EncodedPictures | None
    rendered_ahead: bool  # served from a render started before it was asked for (render_ahead)


def _render_args(job_id: str, shot, profile, out_path, setting: str, threads: int, every: int,
                 measure: bool) -> tuple:
    # The shot and profile cross as their JSON, validated on the other side, as every model is stored.
    return (job_id, shot.model_dump_json(), profile.model_dump_json(), str(out_path), setting, threads, every,
            measure)


class DeviceWorker:
    def __init__(self, process: subprocess.Popen | None, connection: Connection, pid: int):
        # process: None for a worker another command started, lingering since (lingering.py).
        self.process, self.connection, self.pid = process, connection, pid
        self._one_at_a_time = threading.Lock()
        self._described: dict[tuple[str, int], tuple[str, str]] = {}

    @classmethod
    def start(cls, name: str | None = None) -> DeviceWorker:
        """A new worker, this process's child; ``name``: what it lingers under once its command ends."""
        name = name or lingering.worker_name()
        ours, theirs = socket.socketpair()
        with theirs:
            process = subprocess.Popen(
                [sys.executable, "-m", WORKER_MODULE, str(theirs.fileno()), str(os.getpid()), name],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        return cls(process, Connection(ours.detach()), process.pid)

    @classmethod
    def attach_or_start(cls) -> DeviceWorker:
        """The worker an earlier command run the same way left lingering, where one is free; else a new one."""
        name = lingering.worker_name()
        attached = lingering.attach(name) if lingering.linger_seconds() > 0 else None
        if attached is None:
            return cls.start(name)
        connection, pid = attached
        return cls(None, connection, pid)

    @property
    def attached(self) -> bool:
        """Whether this worker was an earlier command's, lingering (torch long imported)."""
        return self.process is None

    @property
    def alive(self) -> bool:
        if self.connection.closed:
            return False
        if self.process is not None:
            return self.process.poll() is None
        try:
            os.kill(self.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def _call(self, kind: str, *args, on_preview=None, on_turn=None):
        with self._one_at_a_time:
            return self._exchange(kind, args, on_preview, on_turn)

    def _exchange(self, kind: str, args: tuple, on_preview=None, on_turn=None):
        """One request and its reply, the worker being this caller's."""
        if on_turn is not None:
            on_turn()
        preview_failure: BaseException | None = None
        try:
            self.connection.send((kind, args))
            while True:
                reply = self.connection.recv()
                if reply[0] != "preview":
                    break
                try:
                    if preview_failure is None:
                        on_preview(*reply[1:])
                except Exception as err:  # kept until the reply: the worker is still sending
                    preview_failure = err
        except (EOFError, OSError) as err:
            raise self._gone(err) from err
        if reply[0] == "error":
            raise reply[1]
        if preview_failure is not None:
            raise preview_failure  # as a render here fails when its frame callback does
        return reply[1]

    def describe(self, setting: str, threads: int) -> tuple[str, str]:
        """(the device's name, e.g. "cpu" or "cuda:0"; its description, what a device profile is keyed by)."""
        if (setting, threads) not in self._described:
            self._described[setting, threads] = self._call("describe", setting, threads)
        return self._described[setting, threads]

    def render(self, job_id: str, shot, profile, out_path: Path, setting: str, threads: int,
               on_frame=None, on_turn=None, measure: bool = False) -> WorkerRender:
        """render_measured in the worker: (seconds, the pictures measured as encoded, with ``measure``;
        whether it was rendered ahead); ``on_frame`` sees the frames it asks for (its ``every``) as previews
        (media/preview.py: a few kilobytes, not the frame); ``on_turn`` is called as the request has the
        worker (one is served at a time, in no set order)."""
        every = getattr(on_frame, "every", 1) if on_frame is not None else 0
        return WorkerRender(*self._call("render", *_render_args(job_id, shot, profile, out_path, setting, threads,
                                                                every, measure),
                                        on_preview=on_frame, on_turn=on_turn))

    def render_ahead(self, job_id: str, shot, profile, setting: str, threads: int, every: int = 0,
                     measure: bool = False) -> None:
        """Start rendering, without waiting, the shot a later ``render`` is expected to ask for with these
        same arguments (``every``: its ``on_frame``'s); that request is then served from it
        (render_ahead.py). Any other request stops it."""
        # A render request's arguments, with no path yet: the request will name it.
        self._send("ahead", *_render_args(job_id, shot, profile, "", setting, threads, every, measure))

    def cut_ahead(self, request) -> None:
        """Start making, without waiting, the final cut a later ``cut`` is expected to ask for with this same
        request (a final_cut.CutRequest; cut_ahead.py). Any other request stops it before its next clip."""
        self._send("cut_ahead", request.as_json())

    def cut(self, request, out_path: Path, workdir: Path):
        """The final_cut.Assembly of the cut made ahead for exactly ``request``, its file moved to ``out_path``
        and its crossfades' encodes into ``workdir``; None where there is none (a cut being made for it is
        waited for), or where another request has the worker: a render of another job's, which will have
        stopped any cut made ahead, is not waited for."""
        if not self._one_at_a_time.acquire(blocking=False):
            return None
        try:
            return self._exchange("cut", (request.as_json(), str(out_path), str(workdir)))
        finally:
            self._one_at_a_time.release()

    def _send(self, kind: str, *args) -> None:
        with self._one_at_a_time:
            try:
                self.connection.send((kind, args))
            except OSError as err:
                raise self._gone(err) from err

    def _gone(self, err: BaseException) -> DeviceWorkerGone:
        self.connection.close()
        return DeviceWorkerGone(f"the device worker (pid {self.pid}) died: {err}")

    def close(self, linger: bool = False) -> None:
        """Stop the worker, or with ``linger`` leave it for the next command run the same way (lingering.py)
        where AIPROD_WORKER_LINGER_SEC allows. No request is in flight (calls wait for their reply), so nothing
        is lost, and a worker still importing torch (a command that found nothing to render) is not waited
        for: it answers a request to linger at once, torch importing on."""
        lingers = linger and self._lingers()
        self.connection.close()  # a worker that is not our child, and not lingering, ends at this
        if not lingers and self.process is not None:
            self.process.terminate()
            self.process.wait()

    def _lingers(self) -> bool:
        seconds = lingering.linger_seconds()
        if seconds <= 0 or not self.alive:
            return False
        try:
            with self._one_at_a_time:
                self.connection.send(("linger", (seconds,)))
                # What it was doing ahead stops at its next frame; a worker that does not say yes soon is stopped.
                return self.connection.poll(LINGER_ANSWER_SEC) and self.connection.recv() == ("ok", None)
        except (OSError, EOFError):
            return False


def warm_worker() -> DeviceWorker | None:
    """The worker this process started, while it lives; None where renders run in this process."""
    return _warm if _warm is not None and _warm.alive else None


def _switched_on() -> bool:
    return os.environ.get("AIPROD_DEVICE_WORKER", "1") != "0"


def start_early() -> None:
    """Start the worker the command's ``warm_device_worker`` will take, before the command is even imported; one
    nobody takes dies with this process, as every worker does."""
    global _early
    if _switched_on():
        with contextlib.suppress(OSError):  # warm_device_worker tries again, and says why it could not
            _early = DeviceWorker.attach_or_start()


@contextlib.contextmanager
def warm_device_worker():
    """A device worker for the duration of a CLI command that may render (the one ``start_early`` started, if
    it did); none if one cannot start or AIPROD_DEVICE_WORKER=0 (renders then run in this process, as under
    `dagster dev`)."""
    global _warm, _early
    early, _early = _early, None
    if early is not None and not early.alive:
        early.close()  # it died before the command needed it: reaped, and another started
        early = None
    try:
        _warm = (early or DeviceWorker.attach_or_start()) if _switched_on() else None
    except OSError as err:
        print(f"device worker not started ({err}); rendering in this process", file=sys.stderr)
        _warm = None
    try:
        yield _warm
    finally:
        worker, _warm = _warm, None
        if worker is not None:
            worker.close(linger=True)
