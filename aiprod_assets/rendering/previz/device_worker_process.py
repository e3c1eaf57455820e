"""The device worker itself: the process a command's renders run in (device_worker.py is the command's side).

    python -m aiprod_assets.rendering.previz.device_worker_process FD PID NAME
    (the socket to its parent, the parent, the name it lingers under once its command ends: lingering.py)

It answers its parent at once: torch imports on a thread of its own, and only what needs it (a description, a
render, a cut) waits for it. A command that ends before it rendered anything (a re-run with nothing to make)
asks its worker to linger, and is not kept waiting for torch to get that answer.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from aiprod_assets.contracts import RenderProfile, Shot
from aiprod_assets.media.arenas import fewer_malloc_arenas, return_free_memory
from aiprod_assets.rendering.previz import lingering
from aiprod_assets.rendering.previz.render_ahead import RenderAhead

_serving: RenderAhead | None = None  # its folder goes when the worker is stopped


class WarmingWork:
    """The worker's DeviceWork, made on a thread as the worker starts (torch imported there); its
    ``describe`` and ``render`` wait for it."""

    def __init__(self):
        self._work, self._failure = None, None
        self._thread = threading.Thread(target=self._make, name="torch-import", daemon=True)
        self._thread.start()

    def _make(self) -> None:
        try:
            from aiprod_assets.rendering.previz.device_work import DeviceWork

            self._work = DeviceWork()
        except BaseException as err:  # raised in each request that needs it, where its caller sees it
            self._failure = err

    def ready(self):
        self._thread.join()
        if self._failure is not None:
            raise RuntimeError(f"the device worker could not load torch: {self._failure!r}")
        return self._work

    def describe(self, *args):
        return self.ready().describe(*args)

    def render(self, *args, **kwargs):
        return self.ready().render(*args, **kwargs)


def _die_with_parent(parent_pid: int) -> None:
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the closed socket still ends the worker after its current request
    if os.getppid() != parent_pid:
        os._exit(0)  # the parent died before the signal was asked for


def _agree_to_linger(connection: Connection) -> bool:
    # The parent exits once it has the answer: its death must no longer be this worker's.
    lingering.outlive_the_parent()
    try:
        connection.send(("ok", None))
        return True
    except OSError:
        return False


def serve(connection: Connection, work) -> float | None:
    """Serve one command over ``connection`` until it ends; the seconds it asked the worker to linger for
    after it, or None (it closed the connection, or was killed)."""
    global _serving
    ahead = _serving = RenderAhead(work, connection)
    try:
        return _serve(connection, work, ahead)
    finally:
        ahead.close()  # its renders ahead were for this command
        _serving = None


def _serve(connection: Connection, work, ahead: RenderAhead) -> float | None:
    cuts = None  # a final cut made ahead (cut_ahead.py)
    message = None  # a request that came while a shot rendered ahead, or a cut was made ahead
    while True:
        if message is None:
            try:
                message = connection.recv()
            except (EOFError, OSError):
                return None
        (kind, args), message = message, None
        if kind == "linger":
            return args[0] if _agree_to_linger(connection) else None
        if kind == "ahead":  # answered by the render request it anticipates, or by none
            message = ahead.render(args)
            continue
        if kind in ("cut_ahead", "cut") and cuts is None:  # the final cut's modules, imported when first asked
            from aiprod_assets.rendering.previz.cut_ahead import CutAhead

            cuts = CutAhead(work.ready(), connection, folder=lambda: ahead.folder)
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


def main(fd: int, parent_pid: int, name: str) -> None:
    _die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group: the parent decides, and the worker goes when it does.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _stop(*_) -> None:  # asked to stop (DeviceWorker.close), or its parent went: no render is owed
        if _serving is not None:
            _serving.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, _stop)
    fewer_malloc_arenas()  # the frames are made here now
    try:
        work = WarmingWork()
        connection: Connection | None = Connection(fd)
        while connection is not None:
            seconds = serve(connection, work)
            connection = lingering.wait_for_next(name, seconds) if seconds else None
    finally:
        _stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
