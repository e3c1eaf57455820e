"""A process that holds torch and the previz renderer, started by a CLI command before it imports Dagster.

Importing torch costs about a second of one core, and Dagster, its instance and the code location about two
more, one after the other, before a job's first step. Started first, the worker imports torch and warms
the renderer on the other core meanwhile, and the job's previz shots render in it. Nothing else changes:
the clip is written where the render step asked, and QA, the store and the run's records stay with Dagster.
The worker dies with its parent (a kill -9 included) and serves one request at a time: the device is one.
A command that knows which shot its run will render first may ask for it ahead (render_ahead.py).

    python -m aiprod_assets.rendering.previz.device_worker FD PID   (the socket to its parent, the parent)
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NamedTuple

_warm: DeviceWorker | None = None
_early: DeviceWorker | None = None  # started by the console script, for the command's warm_device_worker
_serving = None  # in the worker: its RenderAhead, whose folder goes when the worker is stopped


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
    def __init__(self, process: subprocess.Popen, connection: Connection):
        self.process, self.connection = process, connection
        self._one_at_a_time = threading.Lock()
        self._described: dict[tuple[str, int], tuple[str, str]] = {}

    @classmethod
    def start(cls) -> DeviceWorker:
        ours, theirs = socket.socketpair()
        with theirs:
            process = subprocess.Popen([sys.executable, "-m", __name__, str(theirs.fileno()), str(os.getpid())],
                                       pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL)
        return cls(process, Connection(ours.detach()))

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and not self.connection.closed

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
        whether it was rendered ahead); ``on_frame`` sees the frames it asks for (its ``every``); ``on_turn``
        is called as the request has the worker (one is served at a time, in no set order)."""
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
        return DeviceWorkerGone(f"the device worker (pid {self.process.pid}) died: {err}")

    def close(self) -> None:
        """Stop the worker; no request is in flight (calls wait for their reply), so nothing is lost, and a
        worker still importing torch (a command that found nothing to render) is not waited for."""
        self.connection.close()
        self.process.terminate()
        self.process.wait()


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
            _early = DeviceWorker.start()


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
        _warm = (early or DeviceWorker.start()) if _switched_on() else None
    except OSError as err:
        print(f"device worker not started ({err}); rendering in this process", file=sys.stderr)
        _warm = None
    try:
        yield _warm
    finally:
        worker, _warm = _warm, None
        if worker is not None:
            worker.close()


def _die_with_parent(parent_pid: int) -> None:
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the closed socket still ends the worker after its current request
    if os.getppid() != parent_pid:
        os._exit(0)  # the parent died before the signal was asked for


def serve(connection: Connection) -> None:
    global _serving
    from aiprod_assets.contracts import RenderProfile, Shot
    from aiprod_assets.media.arenas import fewer_malloc_arenas, return_free_memory
    from aiprod_assets.rendering.previz.device_work import DeviceWork
    from aiprod_assets.rendering.previz.render_ahead import RenderAhead

    fewer_malloc_arenas()  # the frames are made here now

    work = DeviceWork()
    ahead = _serving = RenderAhead(work, connection)
    cuts = None  # a final cut made ahead (cut_ahead.py)
    message = None  # a request that came while a shot rendered ahead, or a cut was made ahead
    while True:
        if message is None:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                return
        (kind, args), message = message, None
        if kind == "ahead":  # answered by the render request it anticipates, or by none
            message = ahead.render(args)
            continue
        if kind in ("cut_ahead", "cut") and cuts is None:  # the final cut's modules, imported when first asked
            from aiprod_assets.rendering.previz.cut_ahead import CutAhead

            cuts = CutAhead(work, connection, folder=lambda: ahead.folder)
        if kind == "cut_ahead":  # answered by the final cut's request for it, or by none
            message = cuts.make(*args)
            continue
        try:
            if kind == "describe":
                reply = work.describe(*args)
            elif kind == "cut":
                reply = cuts.serve(*args)
            elif (served := ahead.serve(args)) is not None:
                reply = (*served, True)
            else:
                job_id, shot_json, profile_json, out_path, setting, threads, every, measure = args
                preview = (lambda index, frame: connection.send(("preview", index, frame))) if every else None
                reply = (*work.render(job_id, Shot.model_validate_json(shot_json),
                                      RenderProfile.model_validate_json(profile_json), Path(out_path), setting,
                                      threads, every, preview, measure), False)
            connection.send(("ok", reply))
            # A clip's frames and measurements are freed by now: the worker idles with what it holds, beside the
            # CLI's final cut.
            return_free_memory()
        except Exception as err:
            try:
                connection.send(("error", err))
            except Exception:  # an exception that does not pickle: its type and words
                connection.send(("error", RuntimeError(f"{type(err).__name__}: {err}")))


if __name__ == "__main__":
    _die_with_parent(int(sys.argv[2]))
    # Ctrl-C reaches the whole process group: the parent decides, and the worker goes when it does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _stop(*_) -> None:  # asked to stop (DeviceWorker.close), or its parent went: no render is owed
        if _serving is not None:
            _serving.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, _stop)
    try:
        serve(Connection(int(sys.argv[1])))
    finally:
        _stop()
